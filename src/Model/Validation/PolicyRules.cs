using L3Net.Model.Resources;

namespace L3Net.Model.Validation;

internal static class PolicyRules
{
    public static void Check(NetworkPolicySpec spec, List<string> errors)
    {
        foreach (var type in (spec.PolicyTypes ?? []).Where(t => t is not ("Ingress" or "Egress")))
            errors.Add($"spec.policyTypes: '{type}' is not one of Ingress, Egress");
        foreach (var (rule, i) in (spec.Ingress ?? []).Select((r, i) => (r, i)))
            Rule(rule.From, rule.Ports, $"spec.ingress[{i}]", "from", errors);
        foreach (var (rule, i) in (spec.Egress ?? []).Select((r, i) => (r, i)))
            Rule(rule.To, rule.Ports, $"spec.egress[{i}]", "to", errors);
    }

    private static void Rule(List<NetworkPolicyPeer>? peers, List<NetworkPolicyPort>? ports, string field, string peerField,
        List<string> errors)
    {
        foreach (var (peer, i) in (peers ?? []).Select((p, i) => (p, i)))
            if (peer.IpBlock is { } block)
            {
                ResourceValidator.Cidr(block.Cidr, $"{field}.{peerField}[{i}].ipBlock.cidr", errors);
                foreach (var (except, j) in (block.Except ?? []).Select((e, j) => (e, j)))
                    ResourceValidator.Cidr(except, $"{field}.{peerField}[{i}].ipBlock.except[{j}]", errors);
            }
        foreach (var (port, i) in (ports ?? []).Select((p, i) => (p, i)))
        {
            ResourceValidator.Protocol(port.Protocol, $"{field}.ports[{i}].protocol", errors);
            if (port.Port is not { } p)
                continue;
            if (!int.TryParse(p, out var number))
            {
                ResourceValidator.PortName(p, $"{field}.ports[{i}].port", errors);
                // A named port resolves to one number per pod; a range from it means nothing (Kubernetes refuses it).
                if (port.EndPort is not null)
                    errors.Add($"{field}.ports[{i}].endPort: needs a numeric port, not the named port '{p}'");
            }
            else if (number is < 1 or > 65535)
            {
                errors.Add($"{field}.ports[{i}].port: {number} is not a port (1-65535)");
            }
        }
    }
}
