using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;
using WeChatAi.Worker;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWeChatRedis();
builder.AddWeChatDatabase();
builder.AddAiWorker();

var app = builder.Build();

// The worker serves only health probes over HTTP; its real work runs in hosted services.
app.MapDefaultEndpoints();

app.Run();
