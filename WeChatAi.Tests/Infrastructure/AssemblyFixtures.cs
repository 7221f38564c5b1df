[assembly: AssemblyFixture(typeof(WeChatAi.Tests.Infrastructure.PostgresServer))]
