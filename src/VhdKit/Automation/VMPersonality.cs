namespace VhdKit.Automation;

/// <summary>Which product's documented behaviour the engine follows where the two documents differ.</summary>
internal enum VMPersonality
{
    /// <summary>Virtual Server 2005 (IVMVirtualServer).</summary>
    VirtualServer,

    /// <summary>Windows Virtual PC (IVMVirtualPC): adds ERROR_INVALID_DRIVE, the hardware virtualization check and ShutdownAbort.</summary>
    VirtualPC,
}
