using System.ComponentModel.DataAnnotations;
using WeChatAi.Core.Outbound;

namespace WeChatAi.Worker.Media;

/// <summary>Downloading and preparing images and voice files (section <c>Media</c>).</summary>
public sealed class MediaOptions : IValidatableObject
{
    public const string Section = "Media";

    /// <summary>WeChat's image hosts: PicUrls are on mmbiz.qpic.cn; qlogo.cn serves mmbiz.qlogo.cn and wx.qlogo.cn.</summary>
    public const string DefaultAllowedImageHosts = "qpic.cn,qlogo.cn";

    /// <summary>
    /// The hosts a message's PicUrl may be fetched from (comma-separated; an entry covers its subdomains). A PicUrl
    /// is tried only when media/get cannot serve the image.
    /// </summary>
    public string AllowedImageHosts { get; set; } = DefaultAllowedImageHosts;

    /// <summary>Development only: PicUrls may reach loopback and private addresses (the simulator's, the tests').</summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>An image whose header declares more pixels is refused before it is decoded.</summary>
    [Range(1_000_000, 100_000_000, ErrorMessage = "Media:MaxImagePixels must be between 1000000 and 100000000.")]
    public int MaxImagePixels { get; set; } = 50_000_000;

    /// <summary>Images decoded (to re-encode them) at once; each holds up to MaxImagePixels × 4 bytes.</summary>
    [Range(1, 64, ErrorMessage = "Media:MaxConcurrentDecodes must be between 1 and 64.")]
    public int MaxConcurrentDecodes { get; set; } = 2;

    /// <summary>Where PicUrls may be fetched, for the outbound guard.</summary>
    public OutboundPolicy PicUrlPolicy() => new(OutboundHosts.Parse(AllowedImageHosts), AllowPrivateAddresses);

    /// <summary>The ffmpeg executable (a name looked up in PATH, or a path); needed only when Llm:TranscriptionFormat is not <c>original</c>.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Media:FfmpegPath must not be empty.")]
    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>How long one ffmpeg conversion may take before it is killed.</summary>
    [Range(1, 600, ErrorMessage = "Media:ConversionTimeoutSeconds must be between 1 and 600.")]
    public int ConversionTimeoutSeconds { get; set; } = 30;

    /// <summary>A larger download is refused (WeChat's own limits are 10 MB for images, 2 MB for voice).</summary>
    [Range(1024, 100 * 1024 * 1024, ErrorMessage = "Media:MaxDownloadBytes must be between 1024 and 104857600.")]
    public int MaxDownloadBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>One download (a PicUrl, or <c>/cgi-bin/media/get</c>), headers to last byte.</summary>
    [Range(1, 300, ErrorMessage = "Media:DownloadTimeoutSeconds must be between 1 and 300.")]
    public int DownloadTimeoutSeconds { get; set; } = 20;

    /// <summary>An image larger than this is re-encoded as a smaller JPEG before it goes to the vision model.</summary>
    [Range(16 * 1024, 20 * 1024 * 1024, ErrorMessage = "Media:MaxImageBytes must be between 16384 and 20971520.")]
    public int MaxImageBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>The longer side of a re-encoded image, in pixels (vision models scale larger images down anyway).</summary>
    [Range(256, 8192, ErrorMessage = "Media:MaxImageSide must be between 256 and 8192.")]
    public int MaxImageSide { get; set; } = 2048;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var entry in OutboundHosts.Parse(AllowedImageHosts))
        {
            if (OutboundHosts.Problem(entry) is { } problem)
            {
                yield return new ValidationResult($"Media:AllowedImageHosts: {problem}.");
            }
        }
    }
}
