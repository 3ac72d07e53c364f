using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace EventHealth.Digest;

/// <summary>
/// Draws a small bar chart (one bar per day) as a PNG, with no graphics library: a pixel buffer, zlib and CRC-32
/// are all a PNG needs. Bars of the earlier days are grey, the later ones blue.
/// </summary>
public static class BarChartPng
{
    private const int BarWidth = 24;
    private const int Gap = 8;
    private const int Height = 120;
    private const int Margin = 10;

    private static readonly byte[] Background = [255, 255, 255];
    private static readonly byte[] Axis = [150, 150, 150];
    private static readonly byte[] Earlier = [190, 190, 190];
    private static readonly byte[] Later = [49, 110, 190];

    /// <param name="values">Daily counts, oldest first.</param>
    /// <param name="highlightFrom">Index of the first value drawn in the highlight colour.</param>
    public static byte[] Draw(IReadOnlyList<int> values, int highlightFrom)
    {
        var width = (Margin * 2) + (values.Count * (BarWidth + Gap));
        var height = Height + (Margin * 2);
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < pixels.Length; i += 3)
        {
            Background.CopyTo(pixels, i);
        }

        var max = Math.Max(1, values.DefaultIfEmpty(0).Max());
        var baseline = Margin + Height;
        for (var x = Margin; x < width - Margin; x++)
        {
            Set(pixels, width, x, baseline, Axis);
        }

        for (var index = 0; index < values.Count; index++)
        {
            var barHeight = (int)Math.Round((double)values[index] / max * (Height - 4));
            var left = Margin + (Gap / 2) + (index * (BarWidth + Gap));
            for (var x = left; x < left + BarWidth; x++)
            {
                for (var y = baseline - barHeight; y < baseline; y++)
                {
                    Set(pixels, width, x, y, index >= highlightFrom ? Later : Earlier);
                }
            }
        }

        return Encode(pixels, width, height);
    }

    private static void Set(byte[] pixels, int width, int x, int y, byte[] colour) => colour.CopyTo(pixels, ((y * width) + x) * 3);

    private static byte[] Encode(byte[] rgb, int width, int height)
    {
        using var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                zlib.WriteByte(0); // filter: none
                zlib.Write(rgb, y * width * 3, width * 3);
            }
        }

        using var png = new MemoryStream();
        png.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", raw.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>CRC-32 (ISO-HDLC), as the PNG chunk format requires.</summary>
    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typeAndData));
        png.Write(number);
    }
}
