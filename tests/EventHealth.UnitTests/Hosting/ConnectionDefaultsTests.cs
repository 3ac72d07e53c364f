using EventHealth.Hosting;
using Npgsql;

namespace EventHealth.UnitTests.Hosting;

/// <summary>The pool and session defaults every connection string gets unless it names its own (docs/benchmarks.md).</summary>
public sealed class ConnectionDefaultsTests
{
    [Fact]
    public void A_plain_connection_string_gets_the_defaults()
    {
        var builder = new NpgsqlConnectionStringBuilder(Database.WithPoolDefaults("Host=db;Database=eventhealth;Username=api"));
        builder.NoResetOnClose.ShouldBeTrue();
        builder.MaxAutoPrepare.ShouldBe(64);
        builder.Options.ShouldBe("-c plan_cache_mode=force_generic_plan");
    }

    [Fact]
    public void Settings_the_configuration_names_are_kept()
    {
        var builder = new NpgsqlConnectionStringBuilder(Database.WithPoolDefaults(
            "Host=db;No Reset On Close=false;Max Auto Prepare=0;Options=-c plan_cache_mode=auto"));
        builder.NoResetOnClose.ShouldBeFalse();
        builder.MaxAutoPrepare.ShouldBe(0);
        builder.Options.ShouldBe("-c plan_cache_mode=auto");
    }

    [Fact]
    public void Other_session_options_are_kept_beside_the_plan_cache_mode()
    {
        var builder = new NpgsqlConnectionStringBuilder(Database.WithPoolDefaults("Host=db;Options=-c statement_timeout=30s"));
        builder.Options.ShouldBe("-c statement_timeout=30s -c plan_cache_mode=force_generic_plan");
    }
}
