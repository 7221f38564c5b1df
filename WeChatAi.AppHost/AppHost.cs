using Microsoft.Extensions.Configuration;
using WeChatAi.AppHost.Configuration;
using WeChatAi.AppHost.Infrastructure;
using WeChatAi.AppHost.Secrets;
using WeChatAi.AppHost.Simulation;

var builder = DistributedApplication.CreateBuilder(args);

var infrastructure = builder.AddWeChatInfrastructure();
var secrets = ExternalSecrets.AddFrom(builder);

var migrations = builder.AddProject<Projects.WeChatAi_MigrationService>("migrations")
    .WithReference(infrastructure.Database)
    .WaitFor(infrastructure.Database);

var api = builder.AddProject<Projects.WeChatAi_Api>("api")
    .WithReplicas(builder.Configuration.GetValue("Api:Replicas", 2))
    .WithReference(infrastructure.Redis)
    .WithReference(infrastructure.Database)
    .WaitFor(infrastructure.Redis)
    .WaitForCompletion(migrations)
    .WithHttpHealthCheck("/health")
    .WithEnvironment(ApiRuntime.Gen0BudgetVariable, ApiRuntime.Gen0Budget)
    .WithForwardedSettings(builder.Configuration, ForwardedSettings.Api);
secrets.ApplyTo(api);
secrets.ApplyAdminTo(api);

var worker = builder.AddProject<Projects.WeChatAi_Worker>("worker")
    .WithReplicas(builder.Configuration.GetValue("Worker:Replicas", 1))
    .WithReference(infrastructure.Redis)
    .WithReference(infrastructure.Database)
    .WaitFor(infrastructure.Redis)
    .WaitForCompletion(migrations)
    .WithHttpHealthCheck("/health")
    .WithForwardedSettings(builder.Configuration, ForwardedSettings.Worker);
secrets.ApplyTo(worker);

builder.AddSimulatorWhereSecretsAreMissing(secrets, api, worker);

builder.Build().Run();
