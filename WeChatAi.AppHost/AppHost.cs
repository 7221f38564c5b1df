using WeChatAi.AppHost.Configuration;
using WeChatAi.AppHost.Admin;
using WeChatAi.AppHost.Infrastructure;
using WeChatAi.AppHost.Secrets;
using WeChatAi.AppHost.Simulation;

var builder = DistributedApplication.CreateBuilder(args);

var infrastructure = builder.AddWeChatInfrastructure();
var secrets = ExternalSecrets.AddFrom(builder);
var settings = ForwardedSettings.AddFrom(builder);

var migrations = builder.AddProject<Projects.WeChatAi_MigrationService>("migrations")
    .WithReference(infrastructure.Database)
    .WaitFor(infrastructure.Database)
    .KeepsRunningWhenPublished();

var api = builder.AddProject<Projects.WeChatAi_Api>("api")
    .WithConfiguredReplicas("Api:Replicas", 2)
    .WithExternalHttpEndpoints()
    .WithReference(infrastructure.Redis)
    .WithReference(infrastructure.Database)
    .WaitFor(infrastructure.Redis)
    .WaitForCompletion(migrations)
    .WithHttpHealthCheck("/health")
    .WithEnvironment(ApiRuntime.Gen0BudgetVariable, ApiRuntime.Gen0Budget);
settings.ApplyTo(api);
secrets.ApplyTo(api, ExternalSecrets.Api);

var worker = builder.AddProject<Projects.WeChatAi_Worker>("worker")
    .WithConfiguredReplicas("Worker:Replicas", 1)
    .WithReference(infrastructure.Redis)
    .WithReference(infrastructure.Database)
    .WaitFor(infrastructure.Redis)
    .WaitForCompletion(migrations)
    .WithHttpHealthCheck("/health");
settings.ApplyTo(worker);
secrets.ApplyTo(worker, ExternalSecrets.Worker);

var admin = builder.AddProject<Projects.WeChatAi_Admin>(AdminConsoleExtensions.ResourceName)
    .WithReference(api)
    .WaitFor(api)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", url => url.DisplayText = "Operations console");
settings.ApplyTo(admin);
secrets.ApplyTo(admin, ExternalSecrets.Admin);

var simulator = builder.AddSimulatorWhereSecretsAreMissing(secrets, api, worker, infrastructure.DataDirectory);
var adminKey = admin.AddRunCredentialsWhereMissing(secrets, api, simulator);
simulator?.PublishesTheDefaultMenuOnFirstStart(api, adminKey!);

builder.Build().Run();
