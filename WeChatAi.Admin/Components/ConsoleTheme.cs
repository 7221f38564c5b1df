using MudBlazor;

namespace WeChatAi.Admin.Components;

/// <summary>The console's colours (WeChat's green) and a font list that renders Chinese on any system.</summary>
public static class ConsoleTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight { Primary = "#07c160", AppbarBackground = "#1f2d3d", Secondary = "#576b95" },
        Typography = new Typography
        {
            Default = new DefaultTypography
            {
                FontFamily = ["Roboto", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Helvetica", "Arial", "sans-serif"],
            },
            // Upper case does nothing for Chinese and shouts the English half of each label.
            Button = new ButtonTypography { TextTransform = "none" },
        },
    };
}
