using Microsoft.AspNetCore.Mvc;

namespace EventHealth.Http;

/// <summary>The problem documents (RFC 9457) this API answers with. Each names what is wrong and, where it can, the field.</summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";
    private const string TypeBase = "https://eventhealth.example/problems/";

    public static ProblemDetails Validation(IReadOnlyDictionary<string, string[]> errors)
    {
        var problem = new ProblemDetails
        {
            Type = TypeBase + "validation",
            Title = "The request has invalid fields.",
            Status = StatusCodes.Status400BadRequest,
            Detail = string.Join("; ", errors.Select(pair => $"{pair.Key}: {string.Join(", ", pair.Value)}")),
        };
        problem.Extensions["errors"] = errors;
        return problem;
    }

    public static ProblemDetails Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>
    /// Wolverine answers an unparseable query value ("limit=abc") with its own problem naming the parameter in
    /// <c>parameter</c> and echoing the raw value. This rewrites it into our validation shape, saying what the
    /// parameter takes (from the endpoint method's parameter type), without the value.
    /// </summary>
    public static void DescribeQueryFailure(ProblemDetails problem, HttpContext http)
    {
        if (problem.Title != "Invalid query string value" || !problem.Extensions.TryGetValue("parameter", out var named) || named is not string parameter)
        {
            return;
        }

        var type = http.GetEndpoint()?.Metadata.GetMetadata<Wolverine.Http.HttpChain>()?.Method.Method.GetParameters()
            .FirstOrDefault(p => string.Equals(p.Name, parameter, StringComparison.OrdinalIgnoreCase))?.ParameterType;
        var message = type is null ? "has the wrong type or format"
            : (Nullable.GetUnderlyingType(type) ?? type) == typeof(DateTimeOffset) ? QueryTimestamps.Expected(http.Request.Query[parameter].FirstOrDefault())
            : JsonBodyErrors.Expected(type);
        var rewritten = Validation(parameter, message);
        problem.Type = rewritten.Type;
        problem.Title = rewritten.Title;
        problem.Detail = rewritten.Detail;
        problem.Extensions.Remove("parameter");
        problem.Extensions["errors"] = rewritten.Extensions["errors"];
    }

    /// <summary>The detail of patient-not-found, with <c>{Id}</c> where Wolverine's declarative guard puts the id.</summary>
    public const string MissingPatientMessage = "No record exists for patient {Id}.";

    private const string PatientNotFoundType = "patient-not-found";
    private const string PatientNotFoundTitle = "Patient not found.";

    public static IResult PatientNotFound(Guid patientId) =>
        Result(StatusCodes.Status404NotFound, PatientNotFoundType, PatientNotFoundTitle,
            MissingPatientMessage.Replace("{Id}", patientId.ToString(), StringComparison.Ordinal), "patientId");

    /// <summary>
    /// Wolverine's declarative guard (<see cref="ExistingRecordAttribute"/>) answers a missing record with a bare 404
    /// problem whose detail is <see cref="MissingPatientMessage"/>; this gives it the documented type, title and field, so
    /// that a guarded route and a hand-written <see cref="PatientNotFound"/> answer the same document.
    /// </summary>
    public static void DescribeMissingRecord(ProblemDetails problem)
    {
        var prefix = MissingPatientMessage[..MissingPatientMessage.IndexOf("{Id}", StringComparison.Ordinal)];
        if (problem.Status != StatusCodes.Status404NotFound || problem.Type?.StartsWith(TypeBase, StringComparison.Ordinal) == true
            || problem.Detail is not { } detail || !detail.StartsWith(prefix, StringComparison.Ordinal)
            || !Guid.TryParse(detail.AsSpan(prefix.Length, detail.Length - prefix.Length - 1), out _))
        {
            return;
        }

        problem.Type = TypeBase + PatientNotFoundType;
        problem.Title = PatientNotFoundTitle;
        problem.Extensions["field"] = "patientId";
    }

    public static IResult EntryNotFound(Guid entryId) =>
        Result(StatusCodes.Status404NotFound, "entry-not-found", "Entry not found.",
            $"The record has no entry {entryId}.", "entryId");

    public static IResult AlertNotFound(Guid alertId) =>
        Result(StatusCodes.Status404NotFound, "alert-not-found", "Alert not found.",
            $"The record has no alert {alertId}.", "alertId");

    public static IResult EntryAlreadyRetracted(Guid entryId) =>
        Result(StatusCodes.Status409Conflict, "entry-already-retracted", "Entry already retracted.",
            $"Entry {entryId} was retracted earlier.", "entryId");

    /// <summary>The idempotency key was used before for different content.</summary>
    public static IResult IdempotencyConflict(string field, Guid key) =>
        Result(StatusCodes.Status409Conflict, "idempotency-conflict", "The id was already used for different content.",
            $"{field} {key} is already recorded with different content; choose a new id for a new entry.", field);

    public static IResult StaleVersion(long expected, long actual) =>
        Result(StatusCodes.Status412PreconditionFailed, "stale-version", "The record changed since you read it.",
            $"If-Match named version {expected} but the record is at version {actual}.", "If-Match",
            ("currentVersion", actual));

    public static IResult Result(int status, string type, string title, string detail, string? field = null,
        params (string Key, object Value)[] extensions)
    {
        var problem = new ProblemDetails { Type = TypeBase + type, Title = title, Status = status, Detail = detail };
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }

        foreach (var (key, value) in extensions)
        {
            problem.Extensions[key] = value;
        }

        return Results.Problem(problem);
    }
}
