// The library's own P/Invoke signatures are all blittable; nothing relies on runtime marshalling.
[assembly: System.Runtime.CompilerServices.DisableRuntimeMarshalling]

internal static partial class Interop
{
    internal static class Libraries
    {
        internal const string Libc = "libc";
    }
}
