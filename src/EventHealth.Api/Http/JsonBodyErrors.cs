using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EventHealth.Http;

/// <summary>
/// Finds every field of a JSON body that does not fit its C# type, and says what each expected. The deserializer
/// stops at the first misfit; this walks the body the same way (the same options and converters, one field at a time),
/// so a 400 names every offending field, those of the right type outside their range included. Pure: no I/O.
/// </summary>
public static class JsonBodyErrors
{
    public static void Collect(JsonElement value, Type type, JsonSerializerOptions options, FieldErrors errors) =>
        Collect(value, type, options, errors, owner: null, property: null);

    private static void Collect(JsonElement value, Type type, JsonSerializerOptions options, FieldErrors errors, Type? owner, string? property)
    {
        // A fitting object or array is still walked: a field inside it may be out of its range.
        var fits = Fits(value, type, options);
        if (fits && value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
        {
            OutsideRange(value, owner, property, errors);
            return;
        }

        var before = errors.Count;
        var info = options.GetTypeInfo(type);
        if (value.ValueKind == JsonValueKind.Object && info.PolymorphismOptions is { } polymorphism)
        {
            var discriminator = polymorphism.TypeDiscriminatorPropertyName;
            var kinds = polymorphism.DerivedTypes.Where(d => d.TypeDiscriminator is string).ToDictionary(d => (string)d.TypeDiscriminator!, d => d.DerivedType, StringComparer.Ordinal);
            if (value.TryGetProperty(discriminator, out var kind) && kind.ValueKind == JsonValueKind.String && kinds.TryGetValue(kind.GetString()!, out var derived))
            {
                Collect(value, derived, options, errors, owner, property);
            }
            else
            {
                errors.Add(discriminator, $"must be one of {string.Join(", ", kinds.Keys)}");
            }
        }
        else if (value.ValueKind == JsonValueKind.Object && info.Kind == JsonTypeInfoKind.Object)
        {
            var comparison = options.PropertyNameCaseInsensitive ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
            foreach (var field in value.EnumerateObject())
            {
                if (info.Properties.FirstOrDefault(p => comparison.Equals(p.Name, field.Name)) is { } member)
                {
                    Collect(field.Value, member.PropertyType, options, errors.Under(member.Name), type, member.Name);
                }
            }
        }
        else if (value.ValueKind == JsonValueKind.Array && info.Kind == JsonTypeInfoKind.Enumerable && info.ElementType is { } element)
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Collect(item, element, options, errors.Under($"[{index++}]"), owner: null, property: null);
            }
        }

        if (!fits && errors.Count == before)
        {
            errors.Add("", Expected(type, owner, property));
        }
    }

    /// <summary>
    /// A field of the right type outside its declared range (<see cref="OpenApiTexts.Ranges"/>, the bounds the validators
    /// enforce), in the validators' words: the validators do not run on a body the serializer refused, and the 400 must
    /// still name every offending field.
    /// </summary>
    private static void OutsideRange(JsonElement value, Type? owner, string? property, FieldErrors errors)
    {
        if (owner is null || property is null || !OpenApiTexts.Ranges.TryGetValue((owner.Name, property), out var bounds))
        {
            return;
        }

        if (value.ValueKind == JsonValueKind.Number && bounds is { Minimum: { } minimum, Maximum: { } maximum })
        {
            errors.Range("", value.GetDouble(), (double)minimum, (double)maximum);
        }
        else if (value.ValueKind == JsonValueKind.String && bounds.MaxLength is { } maxLength)
        {
            errors.MaxLength("", value.GetString(), maxLength);
        }
    }

    private static bool Fits(JsonElement value, Type type, JsonSerializerOptions options)
    {
        try
        {
            value.Deserialize(type, options);
            return true;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException or OverflowException)
        {
            return false;
        }
    }

    /// <summary>What a field of this type takes, in words, with the range the validators enforce where there is one.</summary>
    public static string Expected(Type type, Type? owner = null, string? property = null)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var range = owner is not null && property is not null && OpenApiTexts.Ranges.TryGetValue((owner.Name, property), out var bounds)
            && bounds.Minimum is { } minimum && bounds.Maximum is { } maximum
            ? string.Create(CultureInfo.InvariantCulture, $" from {minimum} to {maximum}")
            : "";
        return type switch
        {
            _ when type == typeof(DateTimeOffset) => OffsetRequiredConverter.Expected,
            _ when type == typeof(DateOnly) => "must be a date such as 2026-03-29",
            _ when type == typeof(Guid) => "must be a UUID such as 6f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a51",
            _ when type.IsEnum => $"must be one of {JsonSetup.AllowedValues(type)}",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => $"must be an integer{range}",
            _ when type == typeof(double) || type == typeof(decimal) || type == typeof(float) => $"must be a number{range}",
            _ when type == typeof(bool) => "must be true or false",
            _ when type == typeof(string) => "must be a string",
            _ when type.IsAssignableTo(typeof(System.Collections.IDictionary)) => "must be a JSON object",
            _ when type.IsAssignableTo(typeof(System.Collections.IEnumerable)) => "must be an array",
            _ => "must be a JSON object",
        };
    }
}
