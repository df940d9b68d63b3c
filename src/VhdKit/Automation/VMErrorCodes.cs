using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace VhdKit.Automation;

/// <summary>
/// The HRESULT codes of the Virtual Server / Virtual PC automation API (REFERENCE §1), by their documented
/// names. <see cref="Exception.HResult"/> of a <see cref="VMException"/> and <see cref="IVMTask.Error"/> hold one of these.
/// </summary>
[SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "The documented COM names, so a script ports line by line.")]
public static class VMErrorCodes
{
    /// <summary>0x00000000: success.</summary>
    public const int S_OK = 0;

    /// <summary>0x00000001: <see cref="IVMHardDisk.Parent"/> on a disk that is not differencing (here: <see langword="null"/>).</summary>
    public const int S_FALSE = 1;

    /// <summary>0x80004003: a required argument is <see langword="null"/>.</summary>
    public const int E_POINTER = unchecked((int)0x80004003);

    /// <summary>0x80004004: the operation was aborted (a cancelled task's <see cref="IVMTask.Error"/>; VhdKit's choice).</summary>
    public const int E_ABORT = unchecked((int)0x80004004);

    /// <summary>0x80004005: unspecified failure (<see cref="IVMTask.Cancel"/> on a task that cannot be cancelled).</summary>
    public const int E_FAIL = unchecked((int)0x80004005);

    /// <summary>0x80070002: a file was not found.</summary>
    public const int E_FILE_NOT_FOUND = unchecked((int)0x80070002);

    /// <summary>0x80070003: the parent, or a folder of a path, cannot be found.</summary>
    public const int E_PATH_NOT_FOUND = unchecked((int)0x80070003);

    /// <summary>0x80070005: access denied.</summary>
    public const int E_ACCESS_DENIED = unchecked((int)0x80070005);

    /// <summary>0x8007000E: out of memory (a task that ran out of memory; VhdKit's choice).</summary>
    public const int E_OUTOFMEMORY = unchecked((int)0x8007000E);

    /// <summary>0x8007000F (Virtual PC only): the image would be on optical media or, by VhdKit's decision, a read-only volume.</summary>
    public const int ERROR_INVALID_DRIVE = unchecked((int)0x8007000F);

    /// <summary>0x80070020: the image or its parent is in use.</summary>
    public const int E_SHARING_VIOLATION = unchecked((int)0x80070020);

    /// <summary>0x80070057: an argument is out of range (the Virtual PC pages print 0x80000003; which the product returned is uncertain).</summary>
    public const int E_INVALIDARG = unchecked((int)0x80070057);

    /// <summary>0x8007006F: a path (after resolution) is 260 characters or longer.</summary>
    public const int E_BUFFER_OVERFLOW = unchecked((int)0x8007006F);

    /// <summary>0x80070070: less than 8 MB free on the volume that will hold the image (or a write ran out of space).</summary>
    public const int E_DISK_FULL = unchecked((int)0x80070070);

    /// <summary>0x8007007B: a path holds one of <c>* ? : &lt; &gt; / | "</c> inside a name.</summary>
    public const int E_INVALID_NAME = unchecked((int)0x8007007B);

    /// <summary>0x800700A1: both paths are empty or relative (or a path that must be absolute is not).</summary>
    public const int E_BAD_PATHNAME = unchecked((int)0x800700A1);

    /// <summary>0x800700B7: the image file already exists.</summary>
    public const int E_ALREADY_EXISTS = unchecked((int)0x800700B7);

    /// <summary>0x80020009: an unexpected error.</summary>
    public const int DISP_E_EXCEPTION = unchecked((int)0x80020009);

    /// <summary>0xA0040209: the service has begun shutting down.</summary>
    public const int VM_E_APP_SHUTTING_DOWN = unchecked((int)0xA0040209);

    /// <summary>0xA0040677: the parent of a differencing disk does not exist.</summary>
    public const int VM_E_PARENT_PATH_NOT_FOUND = unchecked((int)0xA0040677);

    /// <summary>0xA0040679: the volume could not hold the image if it grew to its full size.</summary>
    public const int VM_E_FILE_TOO_LARGE_FOR_VOLUME = unchecked((int)0xA0040679);

    /// <summary>0xA004067A: the file is read-only.</summary>
    public const int VM_E_FILE_READ_ONLY = unchecked((int)0xA004067A);

    /// <summary>0xA004067B: this image type cannot be used for the operation.</summary>
    public const int VM_E_WRONG_HD_IMAGE_TYPE = unchecked((int)0xA004067B);

    /// <summary>0xA004067C: the image could not be opened (missing, or in use).</summary>
    public const int VM_E_HD_IMAGE_OPEN_FAIL = unchecked((int)0xA004067C);

    /// <summary>0xA0040681: an unknown error accessing the image.</summary>
    public const int VM_E_HD_IMAGE_ACCESS = unchecked((int)0xA0040681);

    /// <summary>0xA0040682: not a valid virtual hard disk image (or corrupt).</summary>
    public const int VM_E_INVALID_HD_FILE = unchecked((int)0xA0040682);

    /// <summary>0xA0040683: the size is above 2,088,960 MB (for a differencing disk: the parent's size).</summary>
    public const int VM_E_IMAGE_SIZE_TOO_LARGE = unchecked((int)0xA0040683);

    /// <summary>0xA0040684: the size is below 3 MB (for a differencing disk: the parent's size).</summary>
    public const int VM_E_IMAGE_SIZE_TOO_SMALL = unchecked((int)0xA0040684);

    /// <summary>0xA0040685: the parent's unique id differs from the one the child was created with.</summary>
    public const int VM_E_PARENT_CHILD_ID_MISMATCH = unchecked((int)0xA0040685);

    /// <summary>0xA0040687 (Virtual PC): the parent was modified after the child was created.</summary>
    public const int VM_E_PARENT_MODIFIED = unchecked((int)0xA0040687);

    /// <summary>0xA0040951 (Virtual PC only): the processor lacks hardware-assisted virtualization (VT-x / AMD-V).</summary>
    public const int VM_E_HARDWARE_VIRTUALIZATION_DISABLED = unchecked((int)0xA0040951);

    private static readonly Dictionary<int, string> Names = typeof(VMErrorCodes)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(int))
        .ToDictionary(f => (int)f.GetRawConstantValue()!, f => f.Name);

    /// <summary>The documented name of <paramref name="hresult"/> (<c>E_ALREADY_EXISTS</c>), or <see langword="null"/> if it is not one of these.</summary>
    public static string? NameOf(int hresult) => Names.GetValueOrDefault(hresult);

    /// <summary>
    /// The HRESULT the automation API reports for an exception of the library (e.g. <c>E_ALREADY_EXISTS</c> for
    /// <see cref="Operations.ImageAlreadyExistsException"/>, <c>VM_E_INVALID_HD_FILE</c> for a corrupt image),
    /// so other front ends (the CLI) name failures the same way.
    /// </summary>
    public static int FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return VMErrors.FromException(exception, string.Empty).HResult;
    }

    /// <summary>The code as shown to people: <c>E_ALREADY_EXISTS (0x800700B7)</c>, or just the value when it has no name here.</summary>
    public static string Describe(int hresult)
    {
        string value = string.Create(CultureInfo.InvariantCulture, $"0x{hresult:X8}");
        return NameOf(hresult) is { } name ? $"{name} ({value})" : value;
    }
}
