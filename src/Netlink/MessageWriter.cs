using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace L3Net.Netlink;

/// <summary>
/// Builds one or more netlink messages back to back in a growable buffer: header, fixed family struct, then
/// 4-byte-aligned attributes (nested ones by begin/end). Several messages in one writer go down in one send.
/// </summary>
internal sealed class MessageWriter
{
    private byte[] _buffer = new byte[512];
    private int _messageStart = -1;

    public int Length { get; private set; }

    public int MessageCount { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public void Clear()
    {
        Length = 0;
        MessageCount = 0;
        _messageStart = -1;
    }

    /// <summary>Starts a message; <see cref="EndMessage"/> fills in its length.</summary>
    public void BeginMessage(ushort type, ushort flags, uint seq)
    {
        _messageStart = Length;
        Write(new NlMsgHdr { Type = type, Flags = (ushort)(flags | Rt.F_REQUEST), Seq = seq });
    }

    public void EndMessage()
    {
        MemoryMarshal.Write(_buffer.AsSpan(_messageStart), (uint)(Length - _messageStart));
        MessageCount++;
        _messageStart = -1;
    }

    public void Write<T>(in T value) where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        MemoryMarshal.Write(Reserve(size), in value);
        Pad();
    }

    public void Attr(ushort type, ReadOnlySpan<byte> payload)
    {
        var header = Reserve(4);
        MemoryMarshal.Write(header, (ushort)(4 + payload.Length));
        MemoryMarshal.Write(header[2..], type);
        payload.CopyTo(Reserve(payload.Length));
        Pad();
    }

    public void Attr(ushort type, uint value) => Attr(type, MemoryMarshal.AsBytes(new ReadOnlySpan<uint>(in value)));

    public void Attr(ushort type, int value) => Attr(type, (uint)value);

    public void Attr(ushort type, IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        Attr(type, bytes[..written]);
    }

    /// <summary>A NUL-terminated string attribute, as the kernel expects for names.</summary>
    public void Attr(ushort type, string value)
    {
        Span<byte> bytes = stackalloc byte[Encoding.ASCII.GetMaxByteCount(value.Length) + 1];
        var n = Encoding.ASCII.GetBytes(value, bytes);
        bytes[n] = 0;
        Attr(type, bytes[..(n + 1)]);
    }

    /// <summary>Opens a nested attribute; returns its offset for <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        var start = Length;
        var header = Reserve(4);
        MemoryMarshal.Write(header[2..], type);
        return start;
    }

    public void EndNested(int start) => MemoryMarshal.Write(_buffer.AsSpan(start), (ushort)(Length - start));

    /// <summary>Space for a raw struct inside an attribute whose length is patched afterwards (rtnexthop).</summary>
    public int BeginStruct<T>(in T value) where T : unmanaged
    {
        var start = Length;
        Write(value);
        return start;
    }

    public void EndStruct(int start) => MemoryMarshal.Write(_buffer.AsSpan(start), (ushort)(Length - start));

    private Span<byte> Reserve(int size)
    {
        if (Length + size > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + size));
        var span = _buffer.AsSpan(Length, size);
        span.Clear();
        Length += size;
        return span;
    }

    private void Pad()
    {
        var aligned = (Length + 3) & ~3;
        if (aligned != Length)
            Reserve(aligned - Length);
    }
}
