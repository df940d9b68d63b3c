namespace VhdKit.Format;

/// <summary>One field of an on-disk structure: its name, offset from the structure's start, and length in bytes.</summary>
/// <param name="Name">The field's name as the specification calls it.</param>
/// <param name="Offset">Offset from the start of the structure.</param>
/// <param name="Length">Length in bytes.</param>
public readonly record struct FieldSpan(string Name, int Offset, int Length);
