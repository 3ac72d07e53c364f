using System.Net.Mail;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventHealth.Http;

/// <summary>
/// Collects validation failures keyed by the JSON path of the offending field ("intensity",
/// "entries[3].bodyRegions[0]") and turns them into one RFC 9457 problem. Pure: no I/O, no clock.
/// </summary>
public sealed class FieldErrors
{
    private readonly string prefix;
    private readonly SortedDictionary<string, List<string>> errors;

    public FieldErrors()
        : this("", new SortedDictionary<string, List<string>>(StringComparer.Ordinal))
    {
    }

    private FieldErrors(string prefix, SortedDictionary<string, List<string>> errors)
    {
        this.prefix = prefix;
        this.errors = errors;
    }

    public bool IsEmpty => errors.Count == 0;

    /// <summary>How many fields have errors (across every <see cref="Under"/> view of this collection).</summary>
    public int Count => errors.Count;

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>Errors added through the returned instance are named below <paramref name="path"/> ("entries[3]").</summary>
    public FieldErrors Under(string path) => new(Join(path), errors);

    public FieldErrors Add(string field, string message)
    {
        var key = Join(field);
        if (!errors.TryGetValue(key, out var messages))
        {
            errors[key] = messages = [];
        }

        messages.Add(message);
        return this;
    }

    public bool Required<T>(string field, T? value)
    {
        if (value is null || (value is string text && string.IsNullOrWhiteSpace(text)))
        {
            Add(field, "is required");
            return false;
        }

        return true;
    }

    public void Range(string field, int? value, int min, int max)
    {
        if (value is { } number && (number < min || number > max))
        {
            Add(field, $"must be between {min} and {max}");
        }
    }

    public void Range(string field, double? value, double min, double max)
    {
        if (value is { } number && (double.IsNaN(number) || number < min || number > max))
        {
            Add(field, $"must be between {min} and {max}");
        }
    }

    public void MaxLength(string field, string? value, int max)
    {
        if (value is not null && value.Length > max)
        {
            Add(field, $"must be at most {max} characters");
        }
    }

    public void Defined<TEnum>(string field, TEnum? value)
        where TEnum : struct, Enum
    {
        if (value is { } known && !Enum.IsDefined(known))
        {
            Add(field, $"must be one of {JsonSetup.AllowedValues(typeof(TEnum))}");
        }
    }

    public void Email(string field, string? value)
    {
        if (value is not null && !IsEmail(value))
        {
            Add(field, "must be an email address such as name@example.org");
        }
    }

    public void TimeZone(string field, string? value)
    {
        if (value is not null && !IsIanaTimeZone(value))
        {
            Add(field, "must be an IANA time zone such as Europe/Paris");
        }
    }

    /// <summary>Timestamps in the query string: ISO-8601, read as UTC without an offset (<see cref="QueryTimestamps"/>).</summary>
    public void QueryTimestamps(HttpRequest request, params string[] names)
    {
        foreach (var name in names)
        {
            if (request.Query.TryGetValue(name, out var values) && values.FirstOrDefault(v => v is null || !Http.QueryTimestamps.TryParse(v, out _)) is { } wrong)
            {
                Add(name, Http.QueryTimestamps.Expected(wrong));
            }
        }
    }

    /// <summary>Dates in the query string are ISO-8601 calendar dates (2026-03-29) only; the binder would also take "1.5" or a timestamp.</summary>
    public void QueryDates(HttpRequest request, params string[] names)
    {
        foreach (var name in names)
        {
            if (request.Query.TryGetValue(name, out var values)
                && values.Any(v => v is null || !DateOnly.TryParseExact(v, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _)))
            {
                Add(name, "must be a date such as 2026-03-29");
            }
        }
    }

    /// <summary>The problem answer, or Wolverine's "carry on" marker when nothing was found.</summary>
    public ProblemDetails ToProblem() =>
        IsEmpty ? WolverineContinue.NoProblems : Problems.Validation(ToDictionary());

    /// <summary>
    /// An address a mail relay will take: what MailAddress parses as itself, with a domain of dot-separated
    /// non-empty labels of letters, digits and hyphens (so "a@b." and "a@.b" are refused) under a top-level label.
    /// </summary>
    public static bool IsEmail(string value) =>
        value.Length <= 254
        && MailAddress.TryCreate(value, out var address)
        && address.Address == value
        && address.DisplayName.Length == 0
        && IsDomain(address.Host);

    private static bool IsDomain(string host)
    {
        var labels = host.Split('.');
        return labels.Length >= 2
            && labels.All(label => label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-'
                && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c > 127))
            && !labels[^1].All(char.IsAsciiDigit);
    }

    public static bool IsIanaTimeZone(string value) => CanonicalTimeZone(value) is not null;

    /// <summary>
    /// The IANA id as the time zone database spells it ("pacific/kiritimati" is found, and stored as
    /// "Pacific/Kiritimati"), so that one zone has one spelling in the record; null when it is no IANA zone.
    /// </summary>
    public static string? CanonicalTimeZone(string value) =>
        !TimeZoneInfo.TryFindSystemTimeZoneById(value, out var zone) || !zone.HasIanaId ? null
        : IanaSpellings.Value.TryGetValue(value, out var spelled) ? spelled
        : zone.Id;

    private static readonly Lazy<Dictionary<string, string>> IanaSpellings = new(() => TimeZoneInfo.GetSystemTimeZones(skipSorting: true)
        .Where(zone => zone.HasIanaId)
        .Select(zone => zone.Id)
        .Append("UTC")
        .Distinct(StringComparer.OrdinalIgnoreCase)
        .ToDictionary(id => id, StringComparer.OrdinalIgnoreCase));

    private string Join(string field) =>
        prefix.Length == 0 && field.Length == 0 ? "body"
        : prefix.Length == 0 ? field
        : field.Length == 0 ? prefix
        : field.StartsWith('[') ? prefix + field
        : $"{prefix}.{field}";
}
