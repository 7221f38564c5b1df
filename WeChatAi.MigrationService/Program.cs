using WeChatAi.Core.Data;
using WeChatAi.MigrationService;

var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddWeChatDatabase();

// EF probes __EFMigrationsHistory before creating it and logs the expected "relation does not exist" of a first start
// as an error; a real failure still surfaces as MigrationRunner's critical "Database migration failed" with its exception.
builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Critical);
builder.Services.AddOptions<MigrationOptions>().BindConfiguration(MigrationOptions.Section).ValidateOnStart();
builder.Services.AddHostedService<MigrationRunner>();

builder.Build().Run();
