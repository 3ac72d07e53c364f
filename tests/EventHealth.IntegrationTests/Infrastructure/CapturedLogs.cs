using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>Keeps every log line the test host writes (message, exception and scopes), to search it afterwards.</summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> lines = new();
    private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<string> Lines => lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner.scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopeText = new System.Text.StringBuilder();
            owner.scopes.ForEachScope((scope, text) => text.Append(scope).Append(' '), scopeText);
            owner.lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception} {state} {scopeText}");
        }
    }
}
