namespace WeChatAi.Worker.Common;

internal static class ValidatedOptions
{
    /// <summary>Binds a settings section and checks its attributes at startup, so a bad value stops the worker naming it.</summary>
    public static void AddValidatedOptions<TOptions>(this IHostApplicationBuilder builder, string section) where TOptions : class =>
        builder.Services.AddOptions<TOptions>()
            .Bind(builder.Configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
