namespace AGServer.Server.Admin;

/// <summary>
/// The node's figures every <see cref="Interval"/>, the last 15 minutes of them, for the dashboard's charts (a page
/// opened now shows the minutes before it). Kept by the server actor while the dashboard is enabled; a fixed ring.
/// </summary>
internal sealed class NodeSampler
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private const int Capacity = 15 * 60 / 5;

    private readonly NodeFigures[] _ring = new NodeFigures[Capacity];
    private int _next;
    private int _count;

    public void Add(NodeFigures figures)
    {
        _ring[_next] = figures;
        _next = (_next + 1) % Capacity;
        if (_count < Capacity) _count++;
    }

    /// <summary>The samples kept, oldest first.</summary>
    public NodeFigures[] Samples()
    {
        var samples = new NodeFigures[_count];
        for (var i = 0; i < _count; i++) samples[i] = _ring[(_next - _count + i + Capacity) % Capacity];
        return samples;
    }
}
