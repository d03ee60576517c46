using System.Text.Json.Serialization;
using L3Net.Model.Resources;

namespace L3Net.Model.Serialization;

/// <summary>The storage form of every resource: camelCase JSON (Calico's field names where they differ), nulls
/// left out. Source-generated so the trimmed, ReadyToRun CNI plugin pays no reflection cost at start-up.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(IPPool))]
[JsonSerializable(typeof(IPReservation))]
[JsonSerializable(typeof(IPAMConfiguration))]
[JsonSerializable(typeof(BGPConfiguration))]
[JsonSerializable(typeof(BGPPeer))]
[JsonSerializable(typeof(BGPFilter))]
[JsonSerializable(typeof(NodeResource))]
[JsonSerializable(typeof(WorkloadEndpoint))]
[JsonSerializable(typeof(NetworkPolicy))]
public sealed partial class ModelJsonContext : JsonSerializerContext;
