using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Text;
using L2Vlan.Protocol;
using Microsoft.AspNetCore.Connections;

namespace L2Vlan.Host;

/// <summary>
/// Kestrel answers HTTP it cannot parse (a bad request line or header, headers too large or too slow) itself,
/// before any l2vlan code runs, with an empty body, and has no hook to change that answer
/// (aspnet/KestrelHttpServer#2947). Docker shows a failed call's Err, so this connection filter reads the
/// answers Kestrel writes and gives an empty error answer the <c>{"Err"}</c> body of <see cref="Refusals"/>.
/// l2vlan's own answers always have a body, and every byte of them passes unchanged.
/// </summary>
internal static class KestrelRefusals
{
    public static ConnectionDelegate Filter(ConnectionDelegate next) => async connection =>
    {
        var transport = connection.Transport;
        connection.Transport = new Pipe(transport.Input, new ResponseWriter(transport.Output));
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = transport;
        }
    };

    private sealed class Pipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }

    /// <summary>
    /// Takes what Kestrel writes and passes it on at each flush, response by response: a response's head is read
    /// up to its blank line, then as many bytes as its Content-Length says go through as they are.
    /// </summary>
    private sealed class ResponseWriter(PipeWriter transport) : PipeWriter
    {
        /// <summary>Kestrel's heads are a few hundred bytes; anything else is passed on unread.</summary>
        private const int MaxHeadBytes = 16 * 1024;

        private readonly ArrayBufferWriter<byte> _written = new();
        private readonly List<byte> _head = [];
        private long _bodyLeft;
        private bool _unframed;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _written.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _written.GetSpan(sizeHint);

        public override void Advance(int bytes) => _written.Advance(bytes);

        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => _written.WrittenCount + transport.UnflushedBytes;

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            PassWritten();
            return transport.FlushAsync(cancellationToken);
        }

        public override void CancelPendingFlush() => transport.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            PassWritten();
            transport.Complete(exception);
        }

        private void PassWritten()
        {
            var data = _written.WrittenSpan;
            while (!data.IsEmpty)
            {
                if (_unframed || _bodyLeft > 0)
                {
                    var body = _unframed ? data.Length : (int)Math.Min(_bodyLeft, data.Length);
                    transport.Write(data[..body]);
                    _bodyLeft -= _unframed ? 0 : body;
                    data = data[body..];
                }
                else
                {
                    data = data[ReadHead(data)..];
                }
            }
            _written.ResetWrittenCount();
        }

        /// <summary>Adds to the head until its blank line, then passes it on; returns how much of data it
        /// took.</summary>
        private int ReadHead(ReadOnlySpan<byte> data)
        {
            var searchFrom = Math.Max(0, _head.Count - 3);
            var before = _head.Count;
            _head.AddRange(data);
            var end = CollectionsMarshal.AsSpan(_head)[searchFrom..].IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                if (_head.Count > MaxHeadBytes) PassHead(CollectionsMarshal.AsSpan(_head), framed: false);
                return data.Length;
            }
            var length = searchFrom + end + 4;
            PassHead(CollectionsMarshal.AsSpan(_head)[..length], framed: true);
            return length - before;
        }

        private void PassHead(ReadOnlySpan<byte> head, bool framed)
        {
            var lines = Encoding.Latin1.GetString(head).Split("\r\n");
            _head.Clear();
            var lengthLine = Array.FindIndex(lines, 1, l =>
                l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            var status = framed ? Status(lines[0]) : 0;
            long contentLength = 0;
            var follows = status > 0
                && !lines.Skip(1).Any(l => l.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase))
                && (lengthLine < 0
                    ? status < 200 // 100 Continue: a head alone
                    : long.TryParse(lines[lengthLine].AsSpan("Content-Length:".Length).Trim(), NumberStyles.None,
                        CultureInfo.InvariantCulture, out contentLength));
            if (!follows)
            {
                // Not a response this filter can follow: everything from here on goes through as it is.
                _unframed = true;
                transport.Write(head);
                return;
            }
            if (status >= 400 && contentLength == 0)
            {
                var err = Refusals.For(status).Body;
                lines[lengthLine] = $"Content-Length: {err.Length}\r\nContent-Type: application/json";
                transport.Write(Encoding.Latin1.GetBytes(string.Join("\r\n", lines)));
                transport.Write(err);
                return;
            }
            transport.Write(head);
            _bodyLeft = contentLength;
        }

        /// <summary>The status of an HTTP/1.1 status line, or 0.</summary>
        private static int Status(string statusLine) =>
            statusLine.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && statusLine.Length >= 12
            && int.TryParse(statusLine.AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var status)
                ? status
                : 0;
    }
}
