using System.Buffers;
using System.Security.Cryptography;

namespace WeChatAi.Api.Webhook;

/// <summary>A request body read into a pooled buffer, capped at <see cref="MaxBytes"/>.</summary>
internal sealed class WeChatRequestBody : IDisposable
{
    /// <summary>WeChat payloads are a few KB even in safe mode; more is abuse.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>
    /// Kestrel's limit for the endpoint: the webhook stops reading at <see cref="MaxBytes"/> and answers 413, and
    /// Kestrel drains a body up to this size so that answer reaches the client; past it the connection is cut (a
    /// reset can then reach the client before the 413). Nothing past MaxBytes is kept.
    /// </summary>
    public const int DrainLimitBytes = 2 * MaxBytes;

    private byte[]? _buffer;

    private WeChatRequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    /// <summary>SHA-256 of the raw body: WeChat's retry is byte for byte what it sent first.</summary>
    public byte[] Sha256() => SHA256.HashData((_buffer ?? throw new ObjectDisposedException(nameof(WeChatRequestBody))).AsSpan(0, Length));

    public Stream OpenRead() => new MemoryStream(_buffer ?? throw new ObjectDisposedException(nameof(WeChatRequestBody)), 0, Length, writable: false);

    /// <summary>Reads the whole body, or returns null as soon as it is known to exceed <see cref="MaxBytes"/>.</summary>
    /// <remarks>Content-Length is checked first, and the cap is enforced while reading for chunked or lying clients.</remarks>
    public static async Task<WeChatRequestBody?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            return null;
        }

        // One byte over the cap, to tell "exactly MaxBytes" from "more".
        int capacity = request.ContentLength is long declared ? (int)declared + 1 : MaxBytes + 1;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(capacity);
        int length = 0;
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, MaxBytes + 1) - length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length > MaxBytes)
                {
                    Return(buffer, length);
                    return null;
                }

                if (length == buffer.Length)
                {
                    buffer = Grow(buffer, length);
                }
            }

            return new WeChatRequestBody(buffer, length);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel stopped the read at the endpoint's limit: the same answer as the count above.
            Return(buffer, length);
            return null;
        }
        catch
        {
            Return(buffer, length);
            throw;
        }
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            Return(buffer, Length);
        }
    }

    private static byte[] Grow(byte[] buffer, int length)
    {
        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxBytes + 1));
        buffer.AsSpan(0, length).CopyTo(larger);
        Return(buffer, length);
        return larger;
    }

    // The body holds user messages; clear what was written so the shared pool does not leak it.
    private static void Return(byte[] buffer, int length)
    {
        buffer.AsSpan(0, Math.Min(length, buffer.Length)).Clear();
        ArrayPool<byte>.Shared.Return(buffer);
    }
}
