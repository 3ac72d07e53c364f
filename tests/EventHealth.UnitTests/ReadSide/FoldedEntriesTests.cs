using EventHealth.Daily;

namespace EventHealth.UnitTests.ReadSide;

/// <summary>
/// What a fold keeps of each entry for a later retraction (<see cref="FoldedEntries"/>, values with numbered strings):
/// a day's contributions come back exactly as they went in, in the order they were added.
/// </summary>
public sealed class FoldedEntriesTests
{
    private static readonly DateTimeOffset Morning = new(2026, 9, 1, 8, 0, 0, TimeSpan.FromHours(2));

    [Fact]
    public void A_day_gives_back_every_field_of_its_contributions_in_the_order_added()
    {
        var folded = new FoldedEntries(0);
        var everything = new DayContribution(Guid.NewGuid(), "2026-09-01", "Europe/Berlin", Morning, "trigger",
            Intensity: 7, Trigger: "stress", Level: 9, Intervention: "heat", Symptom: "numbness", WaterMl: 500,
            CaffeineMg: 80, SleepHours: 6.5) { Order = 4 };
        var sparse = new DayContribution(Guid.NewGuid(), "2026-09-01", "Europe/Berlin", Morning.AddHours(1), "twitch_episode") { Order = 5 };
        var otherDay = new DayContribution(Guid.NewGuid(), "2026-09-02", "UTC", Morning.AddDays(1), "cramp") { Order = 6 };

        folded.Add(everything);
        folded.Add(sparse);
        folded.Add(otherDay);

        folded.On("2026-09-01").ShouldBe([everything, sparse]);
        folded.On("2026-09-02").ShouldBe([otherDay]);
        folded.On("2026-09-03").ShouldBeEmpty();
        folded.Count.ShouldBe(3);
    }

    [Fact]
    public void A_removed_entry_names_its_day_and_no_longer_counts_on_it()
    {
        var folded = new FoldedEntries(0);
        var first = new DayContribution(Guid.NewGuid(), "2026-09-01", "UTC", Morning, "twitch_episode", Intensity: 3) { Order = 1 };
        var second = new DayContribution(Guid.NewGuid(), "2026-09-01", "UTC", Morning.AddHours(2), "twitch_episode", Intensity: 8) { Order = 2 };
        folded.Add(first);
        folded.Add(second);

        folded.Remove(second.EntryId).ShouldBe("2026-09-01");
        folded.On("2026-09-01").ShouldBe([first]);
        folded.Remove(second.EntryId).ShouldBeNull();
        folded.Remove(first.EntryId).ShouldBe("2026-09-01");
        folded.On("2026-09-01").ShouldBeEmpty();
        folded.Count.ShouldBe(0);
    }

    [Fact]
    public void An_entry_added_again_keeps_its_first_contribution()
    {
        var folded = new FoldedEntries(0);
        var first = new DayContribution(Guid.NewGuid(), "2026-09-01", "UTC", Morning, "twitch_episode", Intensity: 3) { Order = 1 };
        folded.Add(first);
        folded.Add(first with { Intensity = 9, Order = 2 });

        folded.On("2026-09-01").ShouldBe([first]);
    }

    /// <summary>A rebuild hands one record's storage to the next record's fold (<see cref="FoldedEntries.ForAnotherFold"/>).</summary>
    [Fact]
    public void Another_fold_counts_only_its_own_entries()
    {
        var folded = new FoldedEntries(0);
        var emptiedDay = new DayContribution(Guid.NewGuid(), "2026-09-01", "UTC", Morning, "cramp") { Order = 1 };
        var keptDay = new DayContribution(Guid.NewGuid(), "2026-09-02", "Europe/Berlin", Morning.AddDays(1), "trigger", Trigger: "stress") { Order = 2 };
        folded.Add(emptiedDay);
        folded.Add(keptDay);
        folded.Remove(emptiedDay.EntryId);

        folded.ForAnotherFold(10).ShouldBeSameAs(folded);
        folded.Count.ShouldBe(0);
        folded.On("2026-09-02").ShouldBeEmpty();
        folded.Remove(keptDay.EntryId).ShouldBeNull();

        var first = new DayContribution(Guid.NewGuid(), "2026-10-01", "America/New_York", Morning.AddMonths(1), "twitch_episode", Intensity: 2) { Order = 1 };
        var second = new DayContribution(Guid.NewGuid(), "2026-10-01", "America/New_York", Morning.AddMonths(1).AddHours(1), "intake", WaterMl: 250) { Order = 2 };
        var third = new DayContribution(Guid.NewGuid(), "2026-10-02", "UTC", Morning.AddMonths(1).AddDays(1), "trigger", Trigger: "cold") { Order = 3 };
        folded.Add(first);
        folded.Add(second);
        folded.Add(third);

        folded.On("2026-10-01").ShouldBe([first, second]);
        folded.On("2026-10-02").ShouldBe([third]);
        folded.Count.ShouldBe(3);
    }

    /// <summary>A field added to <see cref="DayContribution"/> must be kept by <see cref="FoldedEntries"/> too: this list
    /// fails until it is (and the first test above sets it).</summary>
    [Fact]
    public void Every_field_of_a_contribution_is_one_folded_entries_keeps()
    {
        typeof(DayContribution).GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal).ShouldBe(
            ["CaffeineMg", "Day", "EntryId", "Intensity", "Intervention", "Kind", "Level", "OccurredAt", "Order", "SleepHours",
             "Symptom", "TimeZone", "Trigger", "WaterMl"]);
    }
}
