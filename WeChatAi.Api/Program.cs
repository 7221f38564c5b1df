using WeChatAi.Api.WeChat;
using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWeChatRedis();
builder.AddWeChatDatabase();
builder.AddWeChatGateway();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapWeChatGateway();
app.MapApiGroup().MapStatsEndpoints();

app.Run();

/// <summary>Entry point, visible to tests that host the API in-process.</summary>
public partial class Program;
