using System.Buffers.Binary;

namespace EventHealth.Sharding;

/// <summary>
/// Where a patient's record lives: in one of <see cref="Count"/> buckets, each a Marten tenant (<c>b000</c> …), each
/// bucket assigned to one shard database. A tenant is a bucket of patients, never a patient: the pool registry, the
/// partitions and the projection agents grow with the number of buckets, which stays fixed, not with enrolment.
/// </summary>
/// <remarks>
/// The bucket is FNV-1a (32 bit) of the id's 16 bytes in RFC 4122 order, modulo the count. All 16 bytes: the leading
/// ones of a UUIDv7 are its timestamp, so patients enrolled in the same hour would otherwise share a bucket. The count
/// is a permanent constant of a deployment (stored in the control database, checked at start): changing it, or this
/// function, would silently send existing records' reads and writes to buckets that do not hold them. Golden tests pin both.
/// </remarks>
public sealed class PatientBuckets
{
    /// <summary>The tenant of everything that names no patient: access records of requests about no single record.</summary>
    public const string CommonTenant = "common";

    private const uint FnvOffsetBasis = 2166136261;
    private const uint FnvPrime = 16777619;

    public PatientBuckets(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 1000);
        Count = count;
    }

    public int Count { get; }

    public int BucketOf(Guid patientId)
    {
        Span<byte> bytes = stackalloc byte[16];
        patientId.TryWriteBytes(bytes, bigEndian: true, out _);
        var hash = FnvOffsetBasis;
        foreach (var b in bytes)
        {
            hash = unchecked((hash ^ b) * FnvPrime);
        }

        return (int)(hash % (uint)Count);
    }

    /// <summary>The Marten tenant id holding the patient's record.</summary>
    public string TenantOf(Guid patientId) => TenantId(BucketOf(patientId));

    public static string TenantId(int bucket) => $"b{bucket:000}";

    /// <summary>Every bucket's tenant id, in bucket order.</summary>
    public IReadOnlyList<string> AllBuckets => [.. Enumerable.Range(0, Count).Select(TenantId)];

    /// <summary>Every tenant of the deployment: the buckets, then <see cref="CommonTenant"/>.</summary>
    public IReadOnlyList<string> AllTenants => [.. AllBuckets, CommonTenant];

    public static bool TryParseBucket(string tenantId, out int bucket)
    {
        bucket = -1;
        return tenantId.Length == 4 && tenantId[0] == 'b' && int.TryParse(tenantId.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out bucket);
    }
}
