namespace EventHealth.Http;

public static class OpenApiVocabularies
{
    /// <summary>
    /// Vocabularies (enums) are read by <see cref="StrictEnumConverter"/>, which the schema generator cannot look into:
    /// describe them as it did for the framework's converter, a named string schema listing the contract's spellings.
    /// </summary>
    public static Microsoft.AspNetCore.OpenApi.OpenApiOptions DescribeVocabularies(this Microsoft.AspNetCore.OpenApi.OpenApiOptions openApi)
    {
        openApi.CreateSchemaReferenceId = type => (Nullable.GetUnderlyingType(type.Type) ?? type.Type) is { IsEnum: true } vocabulary
            ? vocabulary.Name
            : Microsoft.AspNetCore.OpenApi.OpenApiOptions.CreateDefaultSchemaReferenceId(type);
        openApi.AddSchemaTransformer((schema, context, _) =>
        {
            if ((Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type) is { IsEnum: true } vocabulary)
            {
                schema.Type = Microsoft.OpenApi.JsonSchemaType.String;
                schema.Enum = Enum.GetValues(vocabulary).Cast<Enum>()
                    .Select(value => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(JsonSetup.Spelling(value))).ToList();
            }

            return Task.CompletedTask;
        });
        return openApi;
    }
}
