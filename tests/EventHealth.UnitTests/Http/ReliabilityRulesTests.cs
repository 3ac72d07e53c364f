using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EventHealth.Access;
using EventHealth.Email;
using EventHealth.Hosting;
using EventHealth.Http;
using EventHealth.Recording;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace EventHealth.UnitTests.Http;

public sealed class ReliabilityRulesTests
{
    [Theory]
    [InlineData("null", "body")]
    [InlineData("{\"a\": 1, \"a\": 2}", "a")]
    [InlineData("{\"a\": 1, \"A\": 2}", "A")]
    [InlineData("{\"entries\": [{\"x\": 1}, {\"x\": 1, \"x\": 2}]}", "entries[1].x")]
    [InlineData("{\"details\": \"a\\u0000b\"}", "details")]
    [InlineData("{\"entries\": [{}, {\"details\": \"\\ud800\"}]}", "entries[1].details")]
    [InlineData("{\"list\": [\"ok\", \"\\udc00x\"]}", "list[1]")]
    public void Body_rules_name_the_first_offending_field(string body, string field) =>
        JsonBodyRules.Check(Encoding.UTF8.GetBytes(body))?.Field.ShouldBe(field);

    [Theory]
    [InlineData("{\"a\": 1, \"b\": {\"a\": 2}}")]
    [InlineData("[{\"a\": 1}, {\"a\": 2}]")]
    [InlineData("{\"emoji\": \"\\ud83d\\ude00 fine\"}")]
    [InlineData("{\"broken\": ")]
    public void Bodies_within_the_rules_or_not_JSON_at_all_pass(string body) =>
        JsonBodyRules.Check(Encoding.UTF8.GetBytes(body)).ShouldBeNull();

    [Theory]
    [InlineData("name@example.org", true)]
    [InlineData("a@b.co", true)]
    [InlineData("a@b.", false)]
    [InlineData("a@.b", false)]
    [InlineData("a@b", false)]
    [InlineData("a@b..c", false)]
    [InlineData("a@-b.c", false)]
    [InlineData("A Name <a@b.co>", false)]
    public void Emails(string email, bool valid) => FieldErrors.IsEmail(email).ShouldBe(valid);

    [Theory]
    [InlineData("\"left\"", true)]
    [InlineData("\"LEFT\"", false)]
    [InlineData("\" left\"", false)]
    [InlineData("\"Left\"", false)]
    [InlineData("\"left,right\"", false)]
    [InlineData("0", false)]
    public void Vocabulary_values_have_one_spelling(string json, bool accepted)
    {
        var read = () => JsonSerializer.Deserialize<Side>(json, JsonSetup.Options);
        if (accepted)
        {
            read().ShouldBe(Side.Left);
        }
        else
        {
            Should.Throw<JsonException>(() => read());
        }
    }

    [Fact]
    public void Multi_word_values_are_kebab_case_only()
    {
        JsonSerializer.Deserialize<TriggerKind>("\"poor-sleep\"", JsonSetup.Options).ShouldBe(TriggerKind.PoorSleep);
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<TriggerKind>("\"poorSleep\"", JsonSetup.Options));
        JsonSerializer.Serialize(TriggerKind.PoorSleep, JsonSetup.Options).ShouldBe("\"poor-sleep\"");
    }

    [Fact]
    public void Negative_zero_becomes_zero_so_fingerprints_match_what_is_stored()
    {
        var negative = new LogSleep { Hours = -0.0 };
        double.IsNegative(negative.Hours!.Value).ShouldBeFalse();
        CanonicalNumbers.Canonical(-0.0).ShouldBe(0.0);
        CanonicalNumbers.Canonical(7.5).ShouldBe(7.5);
    }

    public static TheoryData<string, Exception, bool> Failures => new()
    {
        { "connection refused", new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)), true },
        { "admin shutdown", new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", PostgresErrorCodes.AdminShutdown), true },
        { "starting up", new PostgresException("the database system is starting up", "FATAL", "FATAL", PostgresErrorCodes.CannotConnectNow), true },
        { "wrapped", new InvalidOperationException("outer", new NpgsqlException("broken")), true },
        { "bad data", new PostgresException("unsupported Unicode escape sequence", "ERROR", "ERROR", "22P05"), false },
        { "bug", new InvalidOperationException("nope"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Database_unavailability_is_told_apart_from_bugs_and_bad_data(string because, Exception failure, bool unavailable) =>
        DatabaseUnavailable.Is(failure).ShouldBe(unavailable, because);

    [Fact]
    public void Logged_exceptions_carry_types_and_SQL_states_but_no_messages()
    {
        var described = UnhandledErrors.Describe(new InvalidOperationException("patient text", new PostgresException("value \"secret\"", "ERROR", "ERROR", "22P05")));
        described.ShouldContain("PostgresException (SQL state 22P05)");
        described.ShouldNotContain("secret");
        described.ShouldNotContain("patient text");
    }

    [Fact]
    public void The_SMTP_client_waits_as_long_as_RFC_5321_lets_a_server_take_after_the_final_dot() =>
        new SmtpSettings().Timeout.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMinutes(10));

    [Fact]
    public void Reads_writes_and_anonymous_requests_each_draw_from_a_bounded_budget()
    {
        var limits = new RateLimitSettings { WritesPerMinute = 1, ReadsPerMinute = 2, AnonymousPerMinute = 3 };
        var patient = new Caller(true, Roles.Patient, Guid.NewGuid().ToString());
        var anonymous = new Caller(false, null, null);

        RateLimitPolicy.For("GET", new PathString("/api/patients/x"), patient, "10.0.0.1", limits)!.Value.PerMinute.ShouldBe(2);
        RateLimitPolicy.For("POST", new PathString("/api/patients/x/episodes"), patient, "10.0.0.1", limits)!.Value.PerMinute.ShouldBe(1);
        var anonymousBudget = RateLimitPolicy.For("GET", new PathString("/api/patients/x"), anonymous, "10.0.0.1", limits)!.Value;
        anonymousBudget.PerMinute.ShouldBe(3);
        anonymousBudget.Partition.ShouldContain("10.0.0.1");
        RateLimitPolicy.For("GET", new PathString("/health/ready"), anonymous, "10.0.0.1", limits).ShouldBeNull();
    }
}
