namespace L2Vlan; internal static class Placeholder {}
