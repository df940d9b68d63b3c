using Azure.Core;
using Azure.Core.Pipeline;

namespace VhdKit.Azure;

/// <summary>Counts the request body bytes put on the wire (retries included): the bytes an upload really sent.</summary>
internal sealed class SentBytesCounter : HttpPipelineSynchronousPolicy
{
    private long _bytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public override void OnSendingRequest(HttpMessage message)
    {
        if (message.Request.Content is { } content && content.TryComputeLength(out long length))
        {
            Interlocked.Add(ref _bytes, length);
        }
    }
}
