var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWorkerRedis();
builder.AddWeChatDatabase();
builder.AddAccountSettings();
builder.AddLlm();
builder.AddContentSafety();
builder.AddMedia();
builder.AddConversationMemory();
builder.AddWeChatDelivery();
builder.AddExchangeRecording(); // before the consumer: hosted services stop in reverse order
builder.AddBillingRecording();
builder.AddJobPipeline();
builder.AddJobConsumer();
builder.AddQueueMaintenance();
builder.AddKnowledge();
builder.AddHandoff();

var app = builder.Build();

// The worker serves only health probes over HTTP; its real work runs in hosted services.
app.MapDefaultEndpoints();

app.Run();
