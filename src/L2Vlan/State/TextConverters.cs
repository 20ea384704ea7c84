using System.Net;
using System.Net.NetworkInformation;
using System.Text.Json;
using System.Text.Json.Serialization;
using L2Vlan.Domain;

namespace L2Vlan.State;

/// <summary>
/// A value that the state files hold as a JSON string. Parsed once, when a file is read: a value that does not
/// parse makes the file unreadable (and quarantined), rather than surfacing later as a skipped route or address.
/// </summary>
public abstract class TextConverter<T> : JsonConverter<T>
{
    protected abstract string What { get; }

    protected abstract bool TryParse(string text, out T value);

    protected abstract string Format(T value);

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return text is not null && TryParse(text, out var value)
            ? value
            : throw new JsonException($"'{text ?? reader.TokenType.ToString()}' is not {What}");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Format(value));
}

public sealed class IPAddressConverter : TextConverter<IPAddress>
{
    protected override string What => "an IP address";

    protected override bool TryParse(string text, out IPAddress value) => IPAddress.TryParse(text, out value!);

    protected override string Format(IPAddress value) => value.ToString();
}

public sealed class CidrConverter : TextConverter<Cidr>
{
    protected override string What => "a network in CIDR form";

    protected override bool TryParse(string text, out Cidr value) => Cidr.TryParse(text, out value, out _);

    protected override string Format(Cidr value) => value.ToString();
}

public sealed class InterfaceAddressConverter : TextConverter<InterfaceAddress>
{
    protected override string What => "an address in CIDR form";

    protected override bool TryParse(string text, out InterfaceAddress value) =>
        InterfaceAddress.TryParse(text, out value);

    protected override string Format(InterfaceAddress value) => value.ToString();
}

public sealed class PhysicalAddressConverter : TextConverter<PhysicalAddress>
{
    protected override string What => "a MAC address";

    protected override bool TryParse(string text, out PhysicalAddress value) => MacAddresses.TryParse(text, out value);

    protected override string Format(PhysicalAddress value) => MacAddresses.Format(value);
}
