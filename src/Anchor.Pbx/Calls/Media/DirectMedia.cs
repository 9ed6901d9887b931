using System.Text;
using Anchor.Media.Sdp;

namespace Anchor.Pbx.Calls.Media;

/// <summary>Media straight between the parties: each side's SDP goes to the other as it was written.</summary>
public sealed class DirectMedia : IMediaEndpoint
{
    public static readonly DirectMedia Instance = new();

    private DirectMedia()
    {
    }

    public bool Learn(SessionDescription sdp) => true;

    public byte[]? Present(SessionDescription other) => Encoding.UTF8.GetBytes(other.ToString());

    public void Release()
    {
    }
}
