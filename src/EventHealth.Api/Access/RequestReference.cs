using System.Text.RegularExpressions;
using EventHealth.Http;

namespace EventHealth.Access;

/// <summary>
/// The reference of a patient's documented request (a ticket or letter number) under which an operator acts on a
/// record: an erasure, or the retraction of a clinician's note. A reference, never the request's text: letters,
/// digits and <c>._:/-</c>, up to <see cref="MaxLength"/>.
/// </summary>
public static partial class RequestReference
{
    public const int MaxLength = 100;

    [GeneratedRegex("^[A-Za-z0-9._:/-]{1,100}$")]
    private static partial Regex Pattern();

    /// <summary>Names <paramref name="field"/> when a reference is given and is not one.</summary>
    public static void Check(FieldErrors errors, string field, string? reference)
    {
        if (reference is not null && !Pattern().IsMatch(reference))
        {
            errors.Add(field, $"must be a reference of 1 to {MaxLength} letters, digits or ._:/- (never the request's text)");
        }
    }

    /// <summary>The 400 an operator gets without a reference: operators act on records only on a documented request.</summary>
    public static IResult RequiredOf(string action) =>
        Results.Problem(Problems.Validation("requestReference", $"is required when an operator {action}: the reference of the patient's documented request"));
}
