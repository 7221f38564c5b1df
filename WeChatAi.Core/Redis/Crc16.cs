using System.Text;

namespace WeChatAi.Core.Redis;

/// <summary>CRC16-XMODEM, as Redis Cluster maps a key to one of its 16,384 slots.</summary>
public static class Crc16
{
    public const int SlotCount = 16_384;

    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        int crc = 0;
        foreach (var b in data)
        {
            crc ^= b << 8;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }

        return (ushort)crc;
    }

    /// <summary>The slot of <paramref name="key"/>: only its hash tag (between the first <c>{</c> and the next <c>}</c>, if not empty) counts.</summary>
    public static int Slot(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        if (open >= 0)
        {
            var close = key.IndexOf('}', open + 1);
            if (close > open + 1)
            {
                key = key[(open + 1)..close];
            }
        }

        return Compute(Encoding.UTF8.GetBytes(key)) & (SlotCount - 1);
    }
}
