using WeChatAi.Core.Data;
using WeChatAi.MigrationService;

var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddWeChatDatabase();
builder.Services.AddOptions<MigrationOptions>().BindConfiguration(MigrationOptions.Section).ValidateOnStart();
builder.Services.AddHostedService<MigrationRunner>();

builder.Build().Run();
