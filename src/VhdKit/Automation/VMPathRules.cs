namespace VhdKit.Automation;

/// <summary>
/// The path rules of the automation API (REFERENCE §1): names, absolute or relative, resolution against the
/// other path's folder, and length. Each check throws a <see cref="VMException"/> naming the argument and path.
/// </summary>
internal static class VMPathRules
{
    /// <summary>A path (after resolution) must be shorter than this: 260 characters (Windows' MAX_PATH).</summary>
    public const int MaxPathLength = 260;

    /// <summary>The characters the documents forbid inside a name, less <c>/</c> (a separator here).</summary>
    private const string ForbiddenInName = "*?:<>|\"";

    /// <summary>
    /// The index of the first character not allowed inside a name of <paramref name="path"/>, or -1. Checked per
    /// component: the separators of the syntax (<c>\</c> and <c>/</c> for Windows, <c>/</c> elsewhere) split
    /// names; a Windows drive (<c>C:</c>) is allowed at the start. A name may not hold <c>* ? : &lt; &gt; | "</c>, a
    /// control character, or (outside Windows) <c>\</c>, which Windows reads as a separator: images stay portable
    /// to Windows hosts, and a <c>\</c> in a name would break the W2ru locator written with <c>\</c> separators.
    /// </summary>
    public static int FindInvalidCharacter(string path, bool windowsSyntax)
    {
        int start = windowsSyntax && path.Length >= 2 && char.IsAsciiLetter(path[0]) && path[1] == ':' ? 2 : 0;
        for (int i = start; i < path.Length; i++)
        {
            char c = path[i];
            if (c == '/' || (windowsSyntax && c == '\\'))
            {
                continue;
            }

            if (char.IsControl(c) || c == '\\' || ForbiddenInName.Contains(c, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Whether <paramref name="path"/> is absolute (fully qualified: on Windows, <c>C:x</c> and <c>\x</c> are not).</summary>
    public static bool IsAbsolute(string path) => path.Length > 0 && Path.IsPathFullyQualified(path);

    /// <exception cref="VMException"><see cref="VMErrorCodes.E_POINTER"/>: <paramref name="path"/> is <see langword="null"/>.</exception>
    public static string NotNull(string? path, string argument) =>
        path ?? throw new VMException(VMErrorCodes.E_POINTER, $"{argument} is null.");

    /// <exception cref="VMException"><see cref="VMErrorCodes.E_INVALID_NAME"/>: a name in the path holds a forbidden character.</exception>
    public static void CheckNames(string path, string argument)
    {
        int index = FindInvalidCharacter(path, OperatingSystem.IsWindows());
        if (index >= 0)
        {
            string shown = char.IsControl(path[index]) ? $"U+{(int)path[index]:X4}" : $"'{path[index]}'";
            throw new VMException(VMErrorCodes.E_INVALID_NAME,
                $"{argument} '{path}' holds {shown} at position {index} inside a name; names may not hold * ? : < > | \" \\ or control characters.", path);
        }
    }

    /// <summary>Refuses an empty path and one that ends in a separator (it names a folder, not a file).</summary>
    /// <exception cref="VMException"><see cref="VMErrorCodes.E_BAD_PATHNAME"/>.</exception>
    public static void CheckNamesAFile(string path, string argument)
    {
        if (path.Length == 0)
        {
            throw new VMException(VMErrorCodes.E_BAD_PATHNAME, $"{argument} is empty: it names no file.", path);
        }

        if (Path.EndsInDirectorySeparator(path))
        {
            throw new VMException(VMErrorCodes.E_BAD_PATHNAME, $"{argument} '{path}' ends in a separator: it names a folder, not a file.", path);
        }
    }

    /// <summary>The full path of an argument that must be absolute (a file, or a folder when <paramref name="isFolder"/>), checked for names and length.</summary>
    /// <exception cref="VMException">E_POINTER, E_BAD_PATHNAME, E_INVALID_NAME or E_BUFFER_OVERFLOW, in that order.</exception>
    public static string ResolveAbsolute(string? path, string argument, bool isFolder = false)
    {
        string value = NotNull(path, argument);
        if (!isFolder)
        {
            CheckNamesAFile(value, argument);
        }

        if (!IsAbsolute(value))
        {
            throw new VMException(VMErrorCodes.E_BAD_PATHNAME, $"{argument} '{value}' is relative; it must be an absolute path.", value);
        }

        CheckNames(value, argument);
        return CheckLength(Path.GetFullPath(value), argument);
    }

    /// <summary>
    /// Resolves the pair of a differencing disk: a relative path is relative to the folder that holds the other
    /// (absolute) file; <c>.</c> and <c>..</c> are resolved.
    /// </summary>
    /// <exception cref="VMException">E_POINTER, E_BAD_PATHNAME, E_INVALID_NAME or E_BUFFER_OVERFLOW, in that order.</exception>
    public static (string Image, string Parent) ResolvePair(string? imagePath, string? parentPath)
    {
        string image = NotNull(imagePath, "imagePath");
        string parent = NotNull(parentPath, "parentPath");
        if (!IsAbsolute(image) && !IsAbsolute(parent))
        {
            throw new VMException(VMErrorCodes.E_BAD_PATHNAME,
                $"Both imagePath '{image}' and parentPath '{parent}' are empty or relative; at least one must be an absolute path.", image);
        }

        CheckNamesAFile(image, "imagePath");
        CheckNamesAFile(parent, "parentPath");
        CheckNames(image, "imagePath");
        CheckNames(parent, "parentPath");
        // Path.GetFullPath(path, basePath) ignores basePath when path is absolute.
        string imageFull, parentFull;
        if (IsAbsolute(image))
        {
            imageFull = Path.GetFullPath(image);
            parentFull = Path.GetFullPath(parent, Path.GetDirectoryName(imageFull)!);
        }
        else
        {
            parentFull = Path.GetFullPath(parent);
            imageFull = Path.GetFullPath(image, Path.GetDirectoryName(parentFull)!);
        }

        return (CheckLength(imageFull, "imagePath"), CheckLength(parentFull, "parentPath"));
    }

    /// <exception cref="VMException"><see cref="VMErrorCodes.E_BUFFER_OVERFLOW"/>: the path is 260 characters or longer.</exception>
    public static string CheckLength(string fullPath, string argument)
    {
        if (fullPath.Length >= MaxPathLength)
        {
            throw new VMException(VMErrorCodes.E_BUFFER_OVERFLOW,
                $"{argument} resolves to a path of {fullPath.Length} characters; it must be shorter than {MaxPathLength}: {fullPath}", fullPath);
        }

        return fullPath;
    }
}
