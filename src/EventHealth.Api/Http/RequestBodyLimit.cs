namespace EventHealth.Http;

/// <summary>
/// Refuses request bodies over the configured size with 413 before any endpoint reads them. Bodies without
/// a Content-Length are buffered up to the limit, so a chunked upload cannot slip past it either.
/// </summary>
public static class RequestBodyLimit
{
    public const long DefaultMaxBytes = 1024 * 1024;

    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app, long maxBytes) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (request.ContentLength > maxBytes || (request.ContentLength is null && !await FitsAsync(request, maxBytes)))
            {
                await Results.Problem(
                        statusCode: StatusCodes.Status413PayloadTooLarge,
                        title: "The request body is too large.",
                        detail: $"Request bodies are limited to {maxBytes} bytes; split a large batch into several.",
                        extensions: new Dictionary<string, object?> { ["field"] = "body", ["maxBytes"] = maxBytes })
                    .ExecuteAsync(context);
                return;
            }

            await next(context);
        });

    private static async Task<bool> FitsAsync(HttpRequest request, long maxBytes)
    {
        if (!HttpMethods.IsPost(request.Method) && !HttpMethods.IsPut(request.Method) && !HttpMethods.IsPatch(request.Method))
        {
            return true;
        }

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                return false;
            }
        }

        buffer.Position = 0;
        request.Body = buffer;
        request.ContentLength = buffer.Length;
        return true;
    }
}
