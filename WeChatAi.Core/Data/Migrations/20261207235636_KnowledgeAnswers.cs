using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace WeChatAi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class KnowledgeAnswers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Knowledge",
                table: "chat_exchanges",
                type: "jsonb",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "knowledge_missed_questions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ExchangeId = table.Column<long>(type: "bigint", nullable: false),
                    AppId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Question = table.Column<string>(type: "text", nullable: false),
                    AskedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    AnsweredSourceId = table.Column<long>(type: "bigint", nullable: true),
                    AnsweredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_knowledge_missed_questions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_knowledge_missed_questions_chat_exchanges_ExchangeId",
                        column: x => x.ExchangeId,
                        principalTable: "chat_exchanges",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_knowledge_missed_questions_AppId_Id",
                table: "knowledge_missed_questions",
                columns: new[] { "AppId", "Id" },
                filter: "\"AnsweredSourceId\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_knowledge_missed_questions_ExchangeId",
                table: "knowledge_missed_questions",
                column: "ExchangeId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "knowledge_missed_questions");

            migrationBuilder.DropColumn(
                name: "Knowledge",
                table: "chat_exchanges");
        }
    }
}
