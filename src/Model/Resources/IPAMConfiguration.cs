namespace L3Net.Model.Resources;

/// <summary>Cluster-wide IPAM settings (Calico's IPAMConfiguration): a singleton named <c>default</c>; without it
/// nodes may borrow and claim any number of blocks.</summary>
public sealed class IPAMConfiguration : Resource<IPAMConfigurationSpec>
{
    public const string DefaultName = "default";

    public override string Kind => "IPAMConfiguration";
}

public sealed class IPAMConfigurationSpec
{
    /// <summary>When true a node never takes an address from a block another node owns (or nobody owns): with no
    /// room in its own blocks and no new block to claim, the assignment fails.</summary>
    public bool StrictAffinity { get; set; }

    /// <summary>How many blocks one node may own; 0 means no limit (Calico's meaning of an unset value). A node at
    /// the limit borrows, unless <see cref="StrictAffinity"/>.</summary>
    public int MaxBlocksPerHost { get; set; }
}
