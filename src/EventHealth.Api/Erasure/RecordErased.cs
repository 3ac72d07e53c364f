namespace EventHealth.Erasure;

/// <summary>
/// The record was erased: every event before (and including) this one has had its personal data masked, and the
/// record answers 410 Gone from now on. It names who erased it (the actor, "patient:&lt;id&gt;" or
/// "operator:&lt;id&gt;"), when, and for an operator the reference of the patient's documented request.
/// </summary>
public sealed record RecordErased(string By, string? RequestReference, DateTimeOffset ErasedAt);

/// <summary>How personal data reads once erased: a fixed marker, so an erased field is visibly erased rather than empty.</summary>
public static class Erased
{
    public const string Text = "[erased]";

    /// <summary>Keeps absent values absent, so replays count recipients and details exactly as before the erasure.</summary>
    public static string? Mask(string? value) => value is null ? null : Text;
}
