using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWeChatRedis();
builder.AddWeChatDatabase();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapStatsEndpoints();

app.Run();

/// <summary>Entry point, visible to tests that host the API in-process.</summary>
public partial class Program;
