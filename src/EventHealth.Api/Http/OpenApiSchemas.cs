using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace EventHealth.Http;

/// <summary>
/// Makes the schemas say what the server does, so that generated clients work unedited. Runs on the finished
/// document, where every schema has its component name, and reads the CLR types behind the names:
/// <list type="bullet">
/// <item>timestamps are strings in date-time format (our converter hides that from the schema exporter);</item>
/// <item>vocabularies are string enums of their kebab-case spellings, never with null inside;</item>
/// <item>request bodies: a field is required exactly when it carries <see cref="RequiredAttribute"/>, and a required
/// field is never nullable (null is refused); computed read-only properties are not part of a request;</item>
/// <item>answers: every property is always written (nulls included), so all are required, nullable by their C# type;</item>
/// <item>a nullable reference is <c>allOf: [$ref]</c> with <c>nullable: true</c>, not a <c>oneOf</c> with null;</item>
/// <item>the batch entry is a base schema with a discriminator on <c>type</c> and one schema per entry type.</item>
/// </list>
/// </summary>
public static class OpenApiSchemas
{
    public const string BatchEntry = "BatchEntry";

    public static Task Normalize(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellation)
    {
        var json = context.ApplicationServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var schemas = document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>();
        var types = ClrTypesByName();
        var inputs = ReachableFrom(document, schemas, document.Paths.Values
            .SelectMany(path => path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
            .SelectMany(operation => operation.RequestBody?.Content?.Values ?? [])
            .Select(media => media.Schema));

        foreach (var schema in AllSchemas(document))
        {
            if (schema.Format == "date-time" && (schema.Type ?? 0) == 0)
            {
                schema.Type = JsonSchemaType.String;
            }
        }

        foreach (var (name, component) in schemas)
        {
            if (component is not OpenApiSchema schema || !types.TryGetValue(name, out var type))
            {
                continue;
            }

            if (type.IsEnum)
            {
                schema.Type = JsonSchemaType.String;
                schema.Enum = Enum.GetNames(type).Select(n => (JsonNode)JsonValue.Create(JsonSetup.EnumNaming.ConvertName(n))).ToList();
                continue;
            }

            var info = json.GetTypeInfo(type);
            if (info.Kind != JsonTypeInfoKind.Object || schema.Properties is null)
            {
                continue;
            }

            DescribeProperties(schema, info, inputs.Contains(name), document, schemas);
        }

        foreach (var ((schemaName, property), (minimum, maximum, maxLength)) in OpenApiTexts.Ranges)
        {
            if (schemas.TryGetValue(schemaName, out var owner) && owner.Properties?.TryGetValue(property, out var field) == true && field is OpenApiSchema bounded)
            {
                bounded.Minimum = minimum?.ToString(CultureInfo.InvariantCulture);
                bounded.Maximum = maximum?.ToString(CultureInfo.InvariantCulture);
                bounded.MaxLength = maxLength;
            }
        }

        foreach (var ((schemaName, property), vocabulary) in OpenApiTexts.Vocabularies)
        {
            if (schemas.TryGetValue(schemaName, out var owner) && owner.Properties?.TryGetValue(property, out var field) == true)
            {
                owner.Properties[property] = WithVocabulary(field, vocabulary, document, schemas);
            }
        }

        schemas.Remove("IResult");
        InlineFreeFormObjects(schemas);
        DescribeBatchEntries(document, schemas);
        OpenApiProblems.Describe(schemas);
        return Task.CompletedTask;
    }

    private static void DescribeProperties(OpenApiSchema schema, JsonTypeInfo info, bool isInput, OpenApiDocument document, IDictionary<string, IOpenApiSchema> schemas)
    {
        var required = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in info.Properties)
        {
            if (!schema.Properties!.TryGetValue(property.Name, out var propertySchema))
            {
                continue;
            }

            var member = property.AttributeProvider as PropertyInfo;
            if (isInput && member is { CanWrite: false })
            {
                schema.Properties.Remove(property.Name);
                continue;
            }

            if (propertySchema is OpenApiSchema array && (array.Type & JsonSchemaType.Array) == JsonSchemaType.Array && IsUntyped(array.Items)
                && ElementType(property.PropertyType) is { } element)
            {
                // The exporter loses the items of a list of a vocabulary read by our converter (bodyRegions): generators
                // would type it any[] and the docs page would show no allowed values.
                array.Items = SchemaOf(element, document, schemas);
            }

            var isRequired = isInput ? member?.GetCustomAttribute<RequiredAttribute>() is not null : true;
            var isNullable = isInput ? !isRequired && property.IsSetNullable : property.IsGetNullable;
            if (isRequired)
            {
                required.Add(property.Name);
            }

            schema.Properties[property.Name] = WithNullability(propertySchema, isNullable, document);
        }

        schema.Required = required;
    }

    private static bool IsUntyped(IOpenApiSchema? schema) =>
        schema is null || (schema is OpenApiSchema inline && (inline.Type ?? 0) == 0 && inline.AllOf is null && inline.OneOf is null && inline.AnyOf is null
            && inline.Enum is null && inline.Properties is null);

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    /// <summary>The schema of a list's element type: a vocabulary as its named enum, a primitive inline, our own types by reference.</summary>
    private static IOpenApiSchema SchemaOf(Type type, OpenApiDocument document, IDictionary<string, IOpenApiSchema> schemas)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            schemas.TryAdd(type.Name, new OpenApiSchema { Type = JsonSchemaType.String, Enum = Spellings(Enum.GetNames(type).Select(JsonSetup.EnumNaming.ConvertName)) });
            return new OpenApiSchemaReference(type.Name, document);
        }

        return type == typeof(string) ? new OpenApiSchema { Type = JsonSchemaType.String }
            : type == typeof(Guid) ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" }
            : type == typeof(DateTimeOffset) ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" }
            : type == typeof(DateOnly) ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "date" }
            : type == typeof(int) ? new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" }
            : type == typeof(long) ? new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" }
            : type == typeof(double) || type == typeof(decimal) ? new OpenApiSchema { Type = JsonSchemaType.Number }
            : type == typeof(bool) ? new OpenApiSchema { Type = JsonSchemaType.Boolean }
            : schemas.ContainsKey(type.Name) ? new OpenApiSchemaReference(type.Name, document)
            : new OpenApiSchema { Type = JsonSchemaType.Object };
    }

    private static IOpenApiSchema WithVocabulary(IOpenApiSchema field, object vocabulary, OpenApiDocument document, IDictionary<string, IOpenApiSchema> schemas)
    {
        // A C# enum is always its own component (added when no route uses it directly), so that clients get one
        // type for it whichever routes exist; a list of spellings stays inline.
        IOpenApiSchema Values()
        {
            switch (vocabulary)
            {
                case Type type:
                    schemas.TryAdd(type.Name, new OpenApiSchema { Type = JsonSchemaType.String, Enum = Spellings(Enum.GetNames(type).Select(JsonSetup.EnumNaming.ConvertName)) });
                    return new OpenApiSchemaReference(type.Name, document);
                case IEnumerable<string> spellings:
                    return new OpenApiSchema { Type = JsonSchemaType.String, Enum = Spellings(spellings) };
                default:
                    throw new ArgumentOutOfRangeException(nameof(vocabulary));
            }
        }

        if (field is OpenApiSchema { Items: not null } array)
        {
            array.Items = Values();
            return array;
        }

        return WithNullability(Values(), (field.Type & JsonSchemaType.Null) == JsonSchemaType.Null, document);
    }

    /// <summary>
    /// A <see cref="JsonElement"/> or <see cref="Timeline.RecordedData"/> field (an entry's recorded data) is an open JSON object: inline, so that generators
    /// type it as a dictionary rather than as an empty class named after the CLR type.
    /// </summary>
    private static void InlineFreeFormObjects(IDictionary<string, IOpenApiSchema> schemas)
    {
        foreach (var owner in schemas.Values.Where(s => s.Properties is not null))
        {
            foreach (var (name, property) in owner.Properties!.ToList())
            {
                if (property is OpenApiSchemaReference { Reference.Id: nameof(JsonElement) or nameof(Timeline.RecordedData) } || (property is OpenApiSchema inline && inline.Type is null && inline.Properties is null
                    && inline.AllOf is null && inline.OneOf is null && inline.AnyOf is null && inline.Enum is null && inline.Format is null))
                {
                    owner.Properties![name] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        AdditionalProperties = new OpenApiSchema(),
                        Description = "The fields as recorded, an open JSON object.",
                    };
                }
            }
        }

        schemas.Remove(nameof(JsonElement));
        schemas.Remove(nameof(Timeline.RecordedData));
    }

    private static List<JsonNode> Spellings(IEnumerable<string> values) => values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();

    /// <summary>The property's schema, null allowed or not; references stay references.</summary>
    public static IOpenApiSchema WithNullability(IOpenApiSchema schema, bool nullable, OpenApiDocument document)
    {
        var reference = ReferenceIn(schema, document);
        if (reference is not null)
        {
            return nullable ? new OpenApiSchema { Type = JsonSchemaType.Null, AllOf = [reference] } : reference;
        }

        if (schema is OpenApiSchema inline)
        {
            var type = inline.Type ?? 0;
            inline.Type = nullable && type != 0 ? type | JsonSchemaType.Null : type & ~JsonSchemaType.Null;
            if (inline.Type == 0)
            {
                inline.Type = null;
            }

            inline.Enum = inline.Enum?.Where(value => value is not null).ToList();
        }

        return schema;
    }

    /// <summary>A bare reference, or the reference inside a <c>oneOf [null, $ref]</c> / <c>allOf [$ref]</c> wrapper.</summary>
    private static OpenApiSchemaReference? ReferenceIn(IOpenApiSchema schema, OpenApiDocument document)
    {
        if (schema is OpenApiSchemaReference reference)
        {
            return new OpenApiSchemaReference(reference.Reference.Id!, document);
        }

        var members = (schema.OneOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.AllOf ?? []).ToList();
        var references = members.OfType<OpenApiSchemaReference>().ToList();
        var others = members.Where(m => m is not OpenApiSchemaReference).ToList();
        return references.Count == 1 && others.All(o => o.Type == JsonSchemaType.Null) && (schema.Properties?.Count ?? 0) == 0
            ? new OpenApiSchemaReference(references[0].Reference.Id!, document)
            : null;
    }

    /// <summary>
    /// A batch entry: a base schema (type, entryId, occurredAt) with a discriminator on <c>type</c>, and per entry type a
    /// schema that extends it with that type's fields (the same fields as its single-entry route). Generators that
    /// model inheritance (NSwag, NJsonSchema) get one class per entry type; others get one type per entry with
    /// <c>type</c> fixed to its value.
    /// </summary>
    private static void DescribeBatchEntries(OpenApiDocument document, IDictionary<string, IOpenApiSchema> schemas)
    {
        var polymorphic = typeof(Recording.EntryRequest);
        var derived = polymorphic.GetCustomAttributes<JsonDerivedTypeAttribute>().ToList();
        var discriminator = polymorphic.GetCustomAttribute<JsonPolymorphicAttribute>()!.TypeDiscriminatorPropertyName!;
        if (!schemas.TryGetValue(nameof(Recording.RecordEntriesBatch), out var batch) || batch.Properties is null)
        {
            return;
        }

        if (schemas[derived[0].DerivedType.Name] is not OpenApiSchema first)
        {
            return;
        }

        string[] common = ["entryId", "occurredAt"];
        var mapping = new Dictionary<string, OpenApiSchemaReference>(StringComparer.Ordinal);
        foreach (var entry in derived)
        {
            var kind = (string)entry.TypeDiscriminator!;
            var name = "Batch" + char.ToUpperInvariant(kind[0]) + kind[1..];
            var single = (OpenApiSchema)schemas[entry.DerivedType.Name];
            schemas[name] = new OpenApiSchema
            {
                Description = $"A {kind} entry in a batch: the fields of its single-entry route, with \"{discriminator}\": \"{kind}\".",
                AllOf =
                [
                    new OpenApiSchemaReference(BatchEntry, document),
                    new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = single.Required?.Where(r => !common.Contains(r)).ToHashSet(StringComparer.Ordinal),
                        Properties = single.Properties!.Where(p => !common.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value),
                    },
                ],
            };
            mapping[kind] = new OpenApiSchemaReference(name, document);
        }

        schemas[BatchEntry] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "One entry of a batch; \"type\" says which, and the entry then has that type's fields.",
            Required = new HashSet<string>([discriminator, .. common], StringComparer.Ordinal),
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                [discriminator] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = mapping.Keys.Select(k => (JsonNode)JsonValue.Create(k)).ToList(),
                },
                [common[0]] = first.Properties![common[0]],
                [common[1]] = first.Properties![common[1]],
            },
            Discriminator = new OpenApiDiscriminator { PropertyName = discriminator, Mapping = mapping },
        };

        batch.Properties["entries"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Items = new OpenApiSchemaReference(BatchEntry, document),
            MinItems = 1,
            MaxItems = Recording.RecordEntriesBatch.MaxEntries,
        };

        foreach (var generated in schemas.Keys.Where(k => k.StartsWith(polymorphic.Name, StringComparison.Ordinal)).ToList())
        {
            schemas.Remove(generated);
        }
    }

    /// <summary>Component names of the schemas reachable from the given roots (through references and nesting).</summary>
    private static HashSet<string> ReachableFrom(OpenApiDocument document, IDictionary<string, IOpenApiSchema> components, IEnumerable<IOpenApiSchema?> roots)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<IOpenApiSchema>(roots.OfType<IOpenApiSchema>());
        while (pending.TryPop(out var schema))
        {
            if (schema is OpenApiSchemaReference reference)
            {
                if (reference.Reference.Id is { } id && names.Add(id) && components.TryGetValue(id, out var target))
                {
                    pending.Push(target);
                }

                continue;
            }

            foreach (var child in Children(schema))
            {
                pending.Push(child);
            }
        }

        return names;
    }

    /// <summary>Every inline schema of the document: components, parameters, bodies and answers, and everything nested.</summary>
    private static IEnumerable<OpenApiSchema> AllSchemas(OpenApiDocument document)
    {
        var roots = new List<IOpenApiSchema>();
        roots.AddRange(document.Components?.Schemas?.Values ?? []);
        foreach (var operation in document.Paths.Values.SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()))
        {
            roots.AddRange((operation.Parameters ?? []).Select(p => p.Schema).OfType<IOpenApiSchema>());
            roots.AddRange((operation.RequestBody?.Content?.Values ?? []).Select(m => m.Schema).OfType<IOpenApiSchema>());
            roots.AddRange((operation.Responses?.Values ?? Enumerable.Empty<IOpenApiResponse>()).SelectMany(r => r.Content?.Values ?? []).Select(m => m.Schema).OfType<IOpenApiSchema>());
        }

        var pending = new Stack<IOpenApiSchema>(roots);
        while (pending.TryPop(out var schema))
        {
            if (schema is not OpenApiSchema inline)
            {
                continue;
            }

            yield return inline;
            foreach (var child in Children(inline))
            {
                pending.Push(child);
            }
        }
    }

    private static IEnumerable<IOpenApiSchema> Children(IOpenApiSchema schema) =>
        (schema.Properties?.Values ?? [])
            .Concat(schema.AllOf ?? []).Concat(schema.OneOf ?? []).Concat(schema.AnyOf ?? [])
            .Concat(new[] { schema.Items, schema.AdditionalProperties }.OfType<IOpenApiSchema>());

    /// <summary>The API's own types by the simple name the document gives their schemas; ambiguous names are left out.</summary>
    private static Dictionary<string, Type> ClrTypesByName() =>
        typeof(OpenApiSchemas).Assembly.GetTypes()
            .Where(t => t.IsPublic || t.IsNestedPublic)
            .Where(t => !t.IsGenericType && !t.IsAbstract || t.IsEnum)
            .GroupBy(t => t.Name, StringComparer.Ordinal)
            .Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key, g => g.Single(), StringComparer.Ordinal);
}
