using System.Net.Sockets;
using Npgsql;

namespace EventHealth.Hosting;

/// <summary>
/// The one definition of "the database is not there right now" (restarting, unreachable, out of connections), which
/// the API answers with 503 and Retry-After instead of 500: the request did nothing and may simply be sent again.
/// </summary>
public static class DatabaseUnavailable
{
    /// <summary>A PostgreSQL restart under load is over within seconds; clients wait this long before retrying.</summary>
    public const int RetryAfterSeconds = 5;

    public static bool Is(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException postgres when IsUnavailable(postgres.SqlState):
                    return true;
                case PostgresException:
                    // The server answered: a bug or bad data, not an outage.
                    return false;
                case NpgsqlException:
                    // No answer from a server: connection refused or broken, pool exhausted, timeout.
                    return true;
                case SocketException:
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(Is):
                    return true;
            }
        }

        return false;
    }

    /// <summary>Connection exceptions (08), shutting down or starting (57P01..57P03), too many connections (53300).</summary>
    private static bool IsUnavailable(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.ReadOnlySqlTransaction;
}
