using WeChatAi.Simulator;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWeChatSimulator();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapWeChatSimulator();

app.Run();
