namespace VhdKit.Tests.Automation;

/// <summary>Which public face of the engine a test drives.</summary>
public enum Personality
{
    VirtualServer,
    VirtualPC,
}
