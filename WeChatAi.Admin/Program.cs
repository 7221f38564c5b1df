// The operations console: every feature goes through the API (docs/console.md).

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAdminApi();
builder.AddConsoleUi();
builder.AddConsoleSignIn();
builder.AddInbox();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseConsoleSignIn();
app.MapConsoleSignOut();
app.MapConsoleUi();

app.Run();
