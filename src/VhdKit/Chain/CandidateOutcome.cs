namespace VhdKit.Chain;

/// <summary>What became of one path tried while looking for a parent.</summary>
public enum CandidateOutcome
{
    /// <summary>The file exists, is a VHD and has the unique id the child names: it is the parent.</summary>
    Accepted,

    /// <summary>Nothing exists at the path (or it is a folder).</summary>
    Missing,

    /// <summary>Something exists but is not a regular file large enough to be a VHD (a FIFO, a device, an empty file); it was not opened.</summary>
    NotARegularFile,

    /// <summary>The file is not a valid VHD.</summary>
    NotAVhd,

    /// <summary>The file is a VHD with a different unique id.</summary>
    IdMismatch,

    /// <summary>The locator cannot name a file on this platform (e.g. a <c>C:\</c> path on Linux).</summary>
    NotApplicable,

    /// <summary>The file could not be opened (permission, I/O error).</summary>
    Unreadable,

    /// <summary>The file is open for writing elsewhere (locked), so it cannot be read as a parent now.</summary>
    InUse,

    /// <summary>The file is an image of another format than the child (a VHD under a VHDX child): refused, as Hyper-V does.</summary>
    WrongFormat,
}
