using EventHealth.Sharding;
using Shouldly;

namespace EventHealth.UnitTests.Sharding;

/// <summary>
/// Golden values of the bucket function. A changed hash (or byte order) would send every existing record's reads and
/// writes to a bucket that does not hold it: these values must never change for a deployment that exists. They were
/// computed apart from this code (FNV-1a 32 over the UUID's RFC 4122 bytes, in Python's uuid.UUID(...).bytes order).
/// </summary>
public sealed class PatientBucketsTests
{
    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000", 16, 5)]
    [InlineData("019a8f3e-7c2b-7d4e-9a10-3b5c6d7e8f90", 16, 8)]
    [InlineData("ffffffff-ffff-ffff-ffff-ffffffffffff", 16, 5)]
    [InlineData("5f0c7a1e-2b3d-4c5e-8f9a-0b1c2d3e4f50", 16, 6)]
    [InlineData("019a8f3e-7c2b-7d4e-9a10-3b5c6d7e8f90", 1000, 176)] // 0xb457a6a8
    [InlineData("00000000-0000-0000-0000-000000000000", 1000, 365)] // 0x69691905
    public void A_patient_id_maps_to_its_golden_bucket(string patientId, int buckets, int expected)
    {
        new PatientBuckets(buckets).BucketOf(Guid.Parse(patientId)).ShouldBe(expected);
    }

    [Fact]
    public void Tenant_ids_name_the_bucket_in_three_digits()
    {
        PatientBuckets.TenantId(7).ShouldBe("b007");
        new PatientBuckets(16).TenantOf(Guid.Parse("019a8f3e-7c2b-7d4e-9a10-3b5c6d7e8f90")).ShouldBe("b008");
        new PatientBuckets(16).AllTenants.ShouldBe([.. Enumerable.Range(0, 16).Select(b => $"b{b:000}"), PatientBuckets.CommonTenant]);
        PatientBuckets.TryParseBucket("b015", out var bucket).ShouldBeTrue();
        bucket.ShouldBe(15);
        PatientBuckets.TryParseBucket(PatientBuckets.CommonTenant, out _).ShouldBeFalse();
    }

    [Fact]
    public void Time_ordered_ids_enrolled_in_the_same_millisecond_spread_over_the_buckets()
    {
        // UUIDv7: the leading 48 bits are the timestamp. Hashing all 16 bytes spreads ids minted together.
        var at = DateTimeOffset.Parse("2026-12-04T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var buckets = new PatientBuckets(16);
        var counts = Enumerable.Range(0, 1600).Select(_ => buckets.BucketOf(Guid.CreateVersion7(at))).GroupBy(b => b).ToDictionary(g => g.Key, g => g.Count());
        counts.Count.ShouldBe(16);
        counts.Values.ShouldAllBe(n => n > 50 && n < 150);
    }

    [Fact]
    public void Initial_assignment_places_bucket_i_on_shard_i_mod_n()
    {
        string[] shards = ["shard01", "shard02"];
        Enumerable.Range(0, 6).Select(b => ShardingSettings.InitialShardOf(b, shards))
            .ShouldBe(["shard01", "shard02", "shard01", "shard02", "shard01", "shard02"]);
    }
}
