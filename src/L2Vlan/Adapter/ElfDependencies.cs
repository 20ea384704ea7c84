using System.Buffers.Binary;
using System.Text;

namespace L2Vlan.Adapter;

/// <summary>
/// What an executable needs from the host to run elsewhere, read from its ELF headers as the dynamic
/// loader would: the loader itself (<c>PT_INTERP</c>) and every shared library named by <c>DT_NEEDED</c>,
/// transitively. Libraries are looked up next to the loader first (where glibc keeps libc), then in the
/// usual system folders. Only 64-bit little-endian ELF (x86-64, arm64), which is all l2vlan is built for.
/// </summary>
public sealed record ElfDependencies(string Interpreter, IReadOnlyDictionary<string, string> Libraries)
{
    private const uint PtLoad = 1, PtDynamic = 2, PtInterp = 3;
    private const long DtNull = 0, DtNeeded = 1, DtStrtab = 5;

    private static readonly string[] FallbackFolders = ["/lib64", "/usr/lib64", "/lib", "/usr/lib"];

    /// <summary>Reads <paramref name="executable"/> and the libraries it needs. Libraries maps soname → host
    /// path.</summary>
    public static ElfDependencies Of(string executable)
    {
        var main = Read(executable);
        var interpreter = main.Interpreter
            ?? throw new InvalidDataException($"{executable} has no dynamic loader (PT_INTERP): a static executable " +
                $"needs no libraries, but l2vlan is not one");
        var interpreterName = Path.GetFileName(interpreter);
        var folders = new List<string>();
        var loaderTarget = File.ResolveLinkTarget(interpreter, returnFinalTarget: true)?.FullName ?? interpreter;
        folders.Add(Path.GetDirectoryName(loaderTarget)!);
        folders.AddRange(FallbackFolders);

        var libraries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var pending = new Queue<string>(main.Needed);
        while (pending.TryDequeue(out var soname))
        {
            // The loader is already mapped when libc asks for it by soname.
            if (soname == interpreterName || libraries.ContainsKey(soname)) continue;
            var path = folders.Select(f => Path.Combine(f, soname)).FirstOrDefault(File.Exists)
                ?? throw new FileNotFoundException($"{soname}, needed by {executable}, is in none of " +
                    $"{string.Join(", ", folders)}");
            libraries[soname] = path;
            foreach (var next in Read(path).Needed) pending.Enqueue(next);
        }
        return new ElfDependencies(interpreter, libraries);
    }

    /// <summary>The interpreter and the DT_NEEDED names of one ELF file.</summary>
    public static (string? Interpreter, List<string> Needed) Read(string path)
    {
        var elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException($"{path} is not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file");

        var phoff = (long)U64(elf, 0x20);
        var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x36));
        var phnum = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x38));
        var loads = new List<(ulong VAddr, ulong Offset, ulong Size)>();
        string? interpreter = null;
        (ulong Offset, ulong Size)? dynamic = null;
        for (var i = 0; i < phnum; i++)
        {
            var h = checked((int)(phoff + i * phentsize));
            var type = BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(h));
            ulong offset = U64(elf, h + 8), vaddr = U64(elf, h + 16), fileSize = U64(elf, h + 32);
            switch (type)
            {
                case PtLoad: loads.Add((vaddr, offset, fileSize)); break;
                case PtDynamic: dynamic = (offset, fileSize); break;
                case PtInterp: interpreter = CString(elf, checked((int)offset)); break;
            }
        }

        var needed = new List<string>();
        if (dynamic is not { } dyn) return (interpreter, needed);
        var neededOffsets = new List<ulong>();
        ulong? strtab = null;
        for (var at = dyn.Offset; at + 16 <= dyn.Offset + dyn.Size; at += 16)
        {
            var tag = (long)U64(elf, checked((int)at));
            var value = U64(elf, checked((int)at + 8));
            if (tag == DtNull) break;
            if (tag == DtNeeded) neededOffsets.Add(value);
            else if (tag == DtStrtab) strtab = value;
        }
        if (neededOffsets.Count == 0) return (interpreter, needed);
        if (strtab is not { } address)
            throw new InvalidDataException($"{path} names libraries but has no string table");
        // DT_STRTAB is an address in memory; the PT_LOAD segment that maps it tells where it is in the file.
        var segment = loads.FirstOrDefault(l => address >= l.VAddr && address < l.VAddr + l.Size);
        if (segment.Size == 0) throw new InvalidDataException($"{path}: the string table is in no loaded segment");
        var table = address - segment.VAddr + segment.Offset;
        foreach (var o in neededOffsets) needed.Add(CString(elf, checked((int)(table + o))));
        return (interpreter, needed);
    }

    private static ulong U64(byte[] b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at));

    private static string CString(byte[] b, int at)
    {
        var end = Array.IndexOf(b, (byte)0, at);
        if (end < 0) throw new InvalidDataException("unterminated string in ELF file");
        return Encoding.UTF8.GetString(b, at, end - at);
    }
}
