var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAdminApi();
builder.AddConsoleSignIn();
builder.AddConsoleUi();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseConsoleSignIn();
app.MapConsoleSignOut();
app.MapConsoleUi();

app.Run();

/// <summary>Entry point, visible to tests that host the console in-process.</summary>
public partial class Program;
