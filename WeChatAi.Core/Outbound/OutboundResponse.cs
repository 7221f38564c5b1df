namespace WeChatAi.Core.Outbound;

/// <summary>A body longer than the caller's limit: the read stopped there.</summary>
public sealed class OutboundResponseTooLargeException(long maxBytes)
    : Exception($"The response is larger than {maxBytes} bytes.")
{
    public long MaxBytes { get; } = maxBytes;
}

public static class OutboundResponse
{
    /// <summary>
    /// Reads a body of at most <paramref name="maxBytes"/>: refused at once when Content-Length says more, and counted
    /// while it is read otherwise (chunked or lying), so no more than the limit plus one buffer is ever held.
    /// The caller's token carries its deadline.
    /// </summary>
    public static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, long maxBytes, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > maxBytes)
        {
            throw new OutboundResponseTooLargeException(maxBytes);
        }

        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw new OutboundResponseTooLargeException(maxBytes);
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }
}
