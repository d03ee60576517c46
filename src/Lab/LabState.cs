using System.Text.Json;
using System.Text.Json.Serialization;
using L3Net.Model.Status;

namespace L3Net.Lab;

/// <summary>What a running lab is made of, saved as <c>lab.json</c> in its directory so that <c>lab status</c>,
/// <c>lab ping</c> and <c>lab down</c> (separate processes) find it.</summary>
public sealed class LabState
{
    public string Name { get; set; } = "";
    public string StateDir { get; set; } = "";
    public string NodeBinary { get; set; } = "";
    public string CniBinary { get; set; } = "";
    public Topology Topology { get; set; }
    public TorKind Tor { get; set; }
    public LabDatastoreKind Datastore { get; set; }
    public bool Bfd { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<LabNode> Nodes { get; set; } = [];
    public List<LabPod> Pods { get; set; } = [];

    public LabOptions Options => new()
    {
        Name = Name,
        StateRoot = Path.GetDirectoryName(StateDir)!,
        NodeBinary = NodeBinary,
        CniBinary = CniBinary,
        Topology = Topology,
        Tor = Tor,
        Datastore = Datastore,
        Bfd = Bfd,
        Nodes = Nodes.Count,
    };

    public AddressPlan Plan => new(Options);

    public static string FileIn(string stateDir) => Path.Combine(stateDir, "lab.json");

    public void Save()
    {
        var file = FileIn(StateDir);
        File.WriteAllText(file + ".tmp", JsonSerializer.Serialize(this, LabJson.Default.LabState));
        File.Move(file + ".tmp", file, overwrite: true);
    }

    /// <summary>The lab saved in <paramref name="stateDir"/>, or null when there is none.</summary>
    public static LabState? Load(string stateDir)
    {
        var file = FileIn(stateDir);
        return File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllText(file), LabJson.Default.LabState) : null;
    }

    public LabNode Node(string name) => Nodes.Single(n => n.Name == name);
}

public sealed class LabNode
{
    public string Name { get; set; } = "";
    public string Namespace { get; set; } = "";
    public string Address { get; set; } = "";
    public uint AsNumber { get; set; }
    public string Dir { get; set; } = "";

    public string StatusSocket => Path.Combine(Dir, "node.sock");
    public string CniSocket => Path.Combine(Dir, "cni.sock");
    public string LogFile => Path.Combine(Dir, "l3net-node.log");
    public string PidFile => Path.Combine(Dir, "l3net-node.pid");
    public string CniLogFile => Path.Combine(Dir, "cni.log");
    public string ConflistFile => Path.Combine(Dir, "10-l3net.conflist");
}

public sealed class LabPod
{
    public string Name { get; set; } = "";
    public string Node { get; set; } = "";
    public string Namespace { get; set; } = "";
    public string ContainerId { get; set; } = "";
    public string Address { get; set; } = "";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(LabState))]
[JsonSerializable(typeof(NodeStatusReport))]
internal sealed partial class LabJson : JsonSerializerContext;
