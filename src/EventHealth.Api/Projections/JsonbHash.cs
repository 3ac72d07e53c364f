using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace EventHealth.Projections;

/// <summary>
/// PostgreSQL's own hash of a jsonb value, <c>jsonb_hash_extended(data, 0)</c>, computed for an entry document from its
/// fields, so that the projection rebuild compares a rebuilt entry document with its live one by a hash the database
/// computes from its stored binary form (<see cref="RebuiltEntries"/>). Turning each stored document into text to hash
/// it here had been most of PostgreSQL's work in a rebuild: about 4.6 µs a document, against 0.7 µs for the database's
/// hash (docs/benchmarks.md, issue 23's sixteenth pass).
/// <para>
/// What it reproduces (PostgreSQL 15's <c>jsonb_hash_extended</c> with a zero seed, on a little-endian server): the hash
/// starts from the object's flag; each key and each value, in jsonb's key order (shorter keys first, then by their bytes),
/// rotates it one bit (each 32-bit half apart) and XORs in the scalar's hash: a string's is Bob Jenkins' lookup3 of its
/// UTF-8 bytes (<c>hash_bytes_extended</c>), a number's the same over its base-10,000 digits without leading and trailing
/// zero digits, XORed with the first digit's weight (<c>hash_numeric_extended</c>), false 4, true 2, null 1.
/// A document whose hash differs for any other reason (a server of the other byte order, a document of an older shape)
/// is only compared in full: a differing hash never decides that two documents differ, only that they must be compared.
/// </para>
/// </summary>
internal static class JsonbHash
{
    /// <summary>jsonb's flag of an object container, which the hash of an object starts from.</summary>
    private const ulong ObjectFlag = 0x20000000;

    private const ulong Null = 1, True = 2, False = 4;

    /// <summary><c>jsonb_hash_extended</c> of the entry document Marten stores for <paramref name="entry"/> (camelCase
    /// names, nulls written, instants as "O", the identifiers in "D" form).</summary>
    public static ulong Of(Recording.RecordedEntry entry)
    {
        var hash = (ObjectFlag << 32) | ObjectFlag;
        // Keys shorter first, then in byte order, as jsonb keeps an object's keys.
        Add(ref hash, "id"u8, entry.Id);
        Add(ref hash, "data"u8, entry.Data);
        Add(ref hash, "kind"u8, entry.Kind);
        Add(ref hash, "entryId"u8, entry.EntryId);
        Add(ref hash, "sortKey"u8, entry.SortKey);
        Add(ref hash, "summary"u8, entry.Summary);
        Add(ref hash, "version"u8, entry.Version);
        Add(ref hash, "patientId"u8, entry.PatientId);
        Combine(ref hash, Bytes("retracted"u8));
        Combine(ref hash, entry.Retracted ? True : False);
        Add(ref hash, "occurredAt"u8, entry.OccurredAt);
        Add(ref hash, "recordedAt"u8, entry.RecordedAt);
        Add(ref hash, "fingerprint"u8, entry.Fingerprint);
        Add(ref hash, "retractedAt"u8, entry.RetractedAt);
        Add(ref hash, "retractionReason"u8, entry.RetractionReason);
        Add(ref hash, "retractedInVersion"u8, entry.RetractedInVersion);
        return hash;
    }

    private static void Add(ref ulong hash, ReadOnlySpan<byte> key, string? value)
    {
        Combine(ref hash, Bytes(key));
        Combine(ref hash, value is null ? Null : String(value));
    }

    private static void Add(ref ulong hash, ReadOnlySpan<byte> key, Guid value)
    {
        Combine(ref hash, Bytes(key));
        Span<byte> text = stackalloc byte[36];
        value.TryFormat(text, out _, "D");
        Combine(ref hash, Bytes(text));
    }

    private static void Add(ref ulong hash, ReadOnlySpan<byte> key, long? value)
    {
        Combine(ref hash, Bytes(key));
        Combine(ref hash, value is { } number ? Number(number) : Null);
    }

    /// <summary>An instant as <see cref="Http.OffsetRequiredConverter"/> writes it: "O", ASCII.</summary>
    private static void Add(ref ulong hash, ReadOnlySpan<byte> key, DateTimeOffset? value)
    {
        Combine(ref hash, Bytes(key));
        if (value is not { } instant)
        {
            Combine(ref hash, Null);
            return;
        }

        Span<byte> text = stackalloc byte[40];
        instant.TryFormat(text, out var written, "O", CultureInfo.InvariantCulture);
        Combine(ref hash, Bytes(text[..written]));
    }

    /// <summary>jsonb's step from one key or value to the next: each 32-bit half rotated left by one, then the scalar's hash XORed in.</summary>
    private static void Combine(ref ulong hash, ulong scalar) =>
        hash = (((hash << 1) & 0xfffffffefffffffe) | ((hash >> 31) & 0x100000001)) ^ scalar;

    private static ulong String(string text)
    {
        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (length <= 512)
        {
            Span<byte> utf8 = stackalloc byte[length];
            return Bytes(utf8[..Encoding.UTF8.GetBytes(text, utf8)]);
        }

        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            return Bytes(rented.AsSpan(0, Encoding.UTF8.GetBytes(text, rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// <c>hash_numeric_extended</c> of an integer with a zero seed: the hash of its base-10,000 digits (two bytes each, in
    /// the server's little-endian order) from the first non-zero one to the last non-zero one, XORed with the weight of the
    /// first (the power of 10,000 it stands for). Zero is the seed less one. The sign is not hashed.
    /// </summary>
    internal static ulong Number(long value)
    {
        if (value == 0)
        {
            return ulong.MaxValue;
        }

        // At most five base-10,000 digits for a long, the most significant first.
        Span<ushort> digits = stackalloc ushort[5];
        var magnitude = value == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(value);
        var count = 0;
        for (var rest = magnitude; rest > 0; rest /= 10_000)
        {
            count++;
        }

        var weight = count - 1;
        var remaining = magnitude;
        for (var i = count - 1; i >= 0; i--)
        {
            digits[i] = (ushort)(remaining % 10_000);
            remaining /= 10_000;
        }

        var last = count - 1;
        while (digits[last] == 0)
        {
            last--;
        }

        Span<byte> bytes = stackalloc byte[10];
        for (var i = 0; i <= last; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes[(i * 2)..], digits[i]);
        }

        return Bytes(bytes[..((last + 1) * 2)]) ^ (ulong)weight;
    }

    /// <summary>PostgreSQL's <c>hash_bytes_extended</c> with a zero seed: Bob Jenkins' lookup3 over little-endian words,
    /// answering its last two state words (b, c) as one.</summary>
    internal static ulong Bytes(ReadOnlySpan<byte> key)
    {
        uint a, b, c;
        a = b = c = 0x9e3779b9 + (uint)key.Length + 3923095;
        while (key.Length >= 12)
        {
            a += BinaryPrimitives.ReadUInt32LittleEndian(key);
            b += BinaryPrimitives.ReadUInt32LittleEndian(key[4..]);
            c += BinaryPrimitives.ReadUInt32LittleEndian(key[8..]);
            Mix(ref a, ref b, ref c);
            key = key[12..];
        }

        // The last 0 to 11 bytes: a and b take theirs as little-endian words, c from its second byte on (its lowest is the length's).
        switch (key.Length)
        {
            case 11: c += (uint)key[10] << 24; goto case 10;
            case 10: c += (uint)key[9] << 16; goto case 9;
            case 9: c += (uint)key[8] << 8; goto case 8;
            case 8: b += (uint)key[7] << 24; goto case 7;
            case 7: b += (uint)key[6] << 16; goto case 6;
            case 6: b += (uint)key[5] << 8; goto case 5;
            case 5: b += key[4]; goto case 4;
            case 4: a += (uint)key[3] << 24; goto case 3;
            case 3: a += (uint)key[2] << 16; goto case 2;
            case 2: a += (uint)key[1] << 8; goto case 1;
            case 1: a += key[0]; break;
        }

        Final(ref a, ref b, ref c);
        return ((ulong)b << 32) | c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mix(ref uint a, ref uint b, ref uint c)
    {
        a -= c; a ^= uint.RotateLeft(c, 4); c += b;
        b -= a; b ^= uint.RotateLeft(a, 6); a += c;
        c -= b; c ^= uint.RotateLeft(b, 8); b += a;
        a -= c; a ^= uint.RotateLeft(c, 16); c += b;
        b -= a; b ^= uint.RotateLeft(a, 19); a += c;
        c -= b; c ^= uint.RotateLeft(b, 4); b += a;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Final(ref uint a, ref uint b, ref uint c)
    {
        c ^= b; c -= uint.RotateLeft(b, 14);
        a ^= c; a -= uint.RotateLeft(c, 11);
        b ^= a; b -= uint.RotateLeft(a, 25);
        c ^= b; c -= uint.RotateLeft(b, 16);
        a ^= c; a -= uint.RotateLeft(c, 4);
        b ^= a; b -= uint.RotateLeft(a, 14);
        c ^= b; c -= uint.RotateLeft(b, 24);
    }
}
