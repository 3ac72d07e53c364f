using EventHealth.Experiments;
using EventHealth.Recording;


namespace EventHealth.UnitTests.Experiments;

/// <summary>The write decisions are pure: record state + command + seed + time → events and answer.</summary>
public sealed class ExperimentDecisionTests
{
    private static readonly Guid PatientId = Guid.NewGuid();
    private static readonly DateTimeOffset Now = new(2026, 4, 1, 22, 30, 0, TimeSpan.Zero);

    private static PatientRecord Record(string zone = "UTC") => new()
    {
        Id = PatientId, DisplayName = "Test", Email = "t@example.org", TimeZone = zone, EnrollmentFingerprint = "x",
    };

    private static PlanExperiment Request(Guid? id = null, DateOnly? start = null, int pairs = 4) =>
        new(id ?? Guid.NewGuid(), InterventionKind.MagnesiumSupplement, " 300 mg ", null, null, 7, pairs, 1, start);

    private static PatientRecord Fold(PatientRecord record, ExperimentPlanned planned, long version) =>
        record.Apply(new JasperFx.Events.Event<ExperimentPlanned>(planned) { Version = version });

    [Fact]
    public void A_plan_stores_the_seed_and_the_schedule_the_seed_gives_starting_tomorrow_by_default()
    {
        var append = PlanExperimentEndpoint.Decide(PatientId, Record(), 3, Request(), seed: 77, Now).ShouldBeOfType<Append>();

        var planned = append.Events.Single().ShouldBeOfType<ExperimentPlanned>();
        planned.StartDate.ShouldBe(new DateOnly(2026, 4, 2));
        planned.Seed.ShouldBe(77);
        planned.Dose.ShouldBe("300 mg");
        planned.Outcome.ShouldBe(ExperimentOutcome.DailyEpisodes);
        planned.Schedule.ShouldBe(ExperimentSchedule.Draw(77, planned.StartDate, 7, 4, 1));
    }

    [Fact]
    public void Today_is_the_patients_local_today()
    {
        // 22:30 UTC on 1 April is already 2 April in Tokyo: 1 April is in the past there.
        var refused = PlanExperimentEndpoint.Decide(PatientId, Record("Asia/Tokyo"), 3, Request(start: new DateOnly(2026, 4, 1)), 1, Now);
        refused.ShouldBeOfType<Reject>();
        PlanExperimentEndpoint.Decide(PatientId, Record("UTC"), 3, Request(start: new DateOnly(2026, 4, 1)), 1, Now).ShouldBeOfType<Append>();
    }

    [Fact]
    public void A_repeat_stores_nothing_and_another_plan_under_the_same_id_is_refused()
    {
        var request = Request();
        var planned = (ExperimentPlanned)((Append)PlanExperimentEndpoint.Decide(PatientId, Record(), 3, request, 5, Now)).Events.Single();
        var record = Fold(Record(), planned, 4);

        // Another seed on the repeat (each request draws one) changes nothing: the design is what is compared.
        PlanExperimentEndpoint.Decide(PatientId, record, 4, request, 6, Now.AddDays(1)).ShouldBeOfType<Append>().Events.ShouldBeEmpty();
        PlanExperimentEndpoint.Decide(PatientId, record, 4, request with { Pairs = 5 }, 6, Now).ShouldBeOfType<Reject>();
    }

    [Fact]
    public void A_plan_over_an_open_experiment_is_refused_and_after_a_stop_it_is_not()
    {
        var first = (ExperimentPlanned)((Append)PlanExperimentEndpoint.Decide(PatientId, Record(), 3, Request(), 5, Now)).Events.Single();
        var record = Fold(Record(), first, 4);

        PlanExperimentEndpoint.Decide(PatientId, record, 4, Request(start: first.LastDay), 6, Now).ShouldBeOfType<Reject>();
        PlanExperimentEndpoint.Decide(PatientId, record, 4, Request(start: first.LastDay.AddDays(1)), 6, Now).ShouldBeOfType<Append>();

        var stop = StopExperimentEndpoint.Decide(PatientId, record, first.ExperimentId, "unwell", Now.AddDays(3)).ShouldBeOfType<Append>();
        var stopped = record.Apply((ExperimentStopped)stop.Events.Single());
        stopped.Experiments[first.ExperimentId].StoppedOn.ShouldBe(new DateOnly(2026, 4, 4));
        PlanExperimentEndpoint.Decide(PatientId, stopped, 5, Request(start: first.LastDay), 6, Now).ShouldBeOfType<Append>();
        StopExperimentEndpoint.Decide(PatientId, stopped, first.ExperimentId, "again", Now.AddDays(4)).ShouldBeOfType<Reject>();
    }
}
