using Npgsql;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>
/// Databases of their own on the PostgreSQL that ops/test started, for hosts and processes that must not share the
/// shared host's: their Hangfire servers and Wolverine nodes would otherwise take its jobs and agents.
/// </summary>
public static class OwnDatabases
{
    /// <summary>
    /// The connection string of database <paramref name="name"/>, created if missing. <paramref name="fresh"/>: dropped
    /// first (whatever a previous run left), so it starts empty.
    /// </summary>
    public static async Task<string> CreateAsync(string name, bool fresh = false)
    {
        var shared = Environment.GetEnvironmentVariable("ConnectionStrings__EventHealth")
            ?? throw new InvalidOperationException("ConnectionStrings__EventHealth is not set: run the tests through ops/test, which starts PostgreSQL.");
        await using (var connection = new NpgsqlConnection(shared))
        {
            await connection.OpenAsync();
            if (fresh)
            {
                await using var drop = new NpgsqlCommand($"drop database if exists {name} with (force)", connection);
                await drop.ExecuteNonQueryAsync();
            }

            await using var exists = new NpgsqlCommand("select count(*) from pg_database where datname = @name", connection);
            exists.Parameters.AddWithValue("name", name);
            if ((long)(await exists.ExecuteScalarAsync())! == 0)
            {
                try
                {
                    await using var create = new NpgsqlCommand($"create database {name}", connection);
                    await create.ExecuteNonQueryAsync();
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
                {
                    // Created meanwhile by another host of the same kind: the same database serves both.
                }
            }
        }

        return new NpgsqlConnectionStringBuilder(shared) { Database = name }.ConnectionString;
    }
}
